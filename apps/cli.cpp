// cli.cpp — flag parsing and JSON output for the hqc subcommands.
#include "apps/cli.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace hqc::cli {

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {
  flag("help", "show this help and exit");
}

ArgParser& ArgParser::option(const std::string& name, const std::string& help, const std::string& def) {
  if (!specs_.count(name)) order_.push_back(name);
  specs_[name] = Spec{help, def, "", true};
  return *this;
}

ArgParser::Spec& ArgParser::last() {
  if (order_.empty()) throw std::logic_error("ArgParser: no flag declared yet");
  return specs_.at(order_.back());
}
ArgParser& ArgParser::meta(const std::string& placeholder) {
  last().meta = placeholder;
  return *this;
}
ArgParser& ArgParser::required() {
  last().required = true;
  return *this;
}
ArgParser& ArgParser::alias(const std::string& alias) {
  aliases_[alias] = order_.back();
  return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help) {
  if (!specs_.count(name)) order_.push_back(name);
  specs_[name] = Spec{help, "", "", false};
  return *this;
}

ArgParser& ArgParser::positionals(const std::string& name, const std::string& help) {
  positional_name_ = name;
  positional_help_ = help;
  return *this;
}

bool ArgParser::parse(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      if (auto al = aliases_.find(name); al != aliases_.end()) name = al->second;
      auto it = specs_.find(name);
      if (it == specs_.end()) throw UsageError("unknown flag --" + name + " for 'hqc " + command_ + "' (see --help)");
      if (!it->second.takes_value) {
        if (inline_value) throw UsageError("flag --" + name + " takes no value");
        values_[name] = "1";
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError("flag --" + name + " needs a value");
        value = args[++i];
      }
      // No flag takes an empty value: an empty default already means "not set", so an empty string
      // (a shell variable that was never set) would silently select the default or write nowhere.
      if (value.empty()) throw UsageError("flag --" + name + " needs a value, got an empty string");
      values_[name] = value;
    } else if (!positional_name_.empty()) {
      rest_.push_back(a);
    } else {
      throw UsageError("unexpected argument '" + a + "' for 'hqc " + command_ + "' (see --help)");
    }
  }
  if (is_set("help")) {
    std::cout << usage();
    return false;
  }
  return true;
}

const ArgParser::Spec& ArgParser::spec(const std::string& name) const {
  auto it = specs_.find(name);
  if (it == specs_.end()) throw std::logic_error("ArgParser: undeclared flag --" + name);
  return it->second;
}

bool ArgParser::given(const std::string& name) const { return values_.count(name) > 0; }
bool ArgParser::has(const std::string& name) const { return given(name) || !spec(name).default_value.empty(); }
bool ArgParser::is_set(const std::string& name) const {
  spec(name);
  return values_.count(name) > 0;
}

std::vector<std::string> ArgParser::given_names() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : values_) out.push_back(name);
  return out;
}

std::string ArgParser::str(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() ? it->second : spec(name).default_value;
}

int64_t ArgParser::integer(const std::string& name, int64_t min, int64_t max) const {
  std::string s = str(name);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    throw UsageError("flag --" + name + " expects an integer, got '" + s + "'");
  }
  if (v < min || v > max) {
    throw UsageError("flag --" + name + " must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got " + s);
  }
  return v;
}

namespace {
bool parse_double(const std::string& s, double& v) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}
}  // namespace

double ArgParser::number(const std::string& name) const {
  std::string s = str(name);
  double v;
  if (!parse_double(s, v)) throw UsageError("flag --" + name + " expects a finite number, got '" + s + "'");
  return v;
}

std::vector<std::string> ArgParser::strings(const std::string& name) const {
  const std::string s = str(name);
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    // An empty item is a typo (1,,2 or a trailing comma), never a value: refuse it rather than
    // drop it, which would shift every later item.
    if (out.back().empty()) {
      throw UsageError("flag --" + name + " has an empty item at position " + std::to_string(out.size()) +
                       " in '" + s + "' (expected comma-separated values without empty ones)");
    }
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::vector<double> ArgParser::numbers(const std::string& name) const {
  std::vector<double> out;
  for (const std::string& item : strings(name)) {
    double v;
    if (!parse_double(item, v)) {
      throw UsageError("flag --" + name + " expects comma-separated finite numbers, got '" + item + "'");
    }
    out.push_back(v);
  }
  return out;
}

std::string ArgParser::choice(const std::string& name, const std::vector<std::string>& choices) const {
  std::string s = str(name);
  for (const auto& c : choices)
    if (c == s) return s;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
  throw UsageError("flag --" + name + " must be one of " + list + ", got '" + s + "'");
}

namespace {
bool is_integer(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// "a | b (why) | c" or "...: a | b" -> "a|b|c" when every choice is one word, else "".
std::string choices_of(const std::string& help) {
  std::string plain;  // without the parenthesised remarks
  int depth = 0;
  for (char c : help) {
    if (c == '(') ++depth;
    else if (c == ')') depth = depth > 0 ? depth - 1 : 0;
    else if (depth == 0) plain += c;
  }
  if (auto colon = plain.rfind(':'); colon != std::string::npos) plain = plain.substr(colon + 1);
  if (plain.find('|') == std::string::npos) return "";
  std::string out, word;
  std::istringstream in(plain);
  for (std::string tok; std::getline(in, tok, '|');) {
    const auto b = tok.find_first_not_of(' '), e = tok.find_last_not_of(' ');
    if (b == std::string::npos) return "";
    word = tok.substr(b, e - b + 1);
    if (word.find_first_of(" ,") != std::string::npos) return "";
    out += (out.empty() ? "" : "|") + word;
  }
  return out;
}

bool mentions(const std::string& help, const char* word) { return help.find(word) != std::string::npos; }

// The placeholder --help shows for an option's value.
std::string placeholder(const std::string& help, const std::string& def, const std::string& meta) {
  if (!meta.empty()) return meta;
  if (is_integer(def)) return "N";
  double x;
  if (parse_double(def, x)) return "X";
  if (const std::string c = choices_of(help); !c.empty() && c.size() <= 24) return c;
  if (mentions(help, "|")) return "NAME";  // names to choose from, and something more (a folder, say)
  if (mentions(help, "comma-separated") || mentions(help, ",...,") || mentions(help, "row-major")) return "LIST";
  if (mentions(help, "folder")) return "DIR";
  if (mentions(help, "file") || mentions(help, "PNG")) return "FILE";
  if (mentions(help, "number of") || mentions(help, "index") || mentions(help, "threads")) return "N";
  return "NAME";
}
}  // namespace

std::string ArgParser::usage() const {
  std::ostringstream os;
  os << "usage: hqc " << command_ << " [flags]";
  if (!positional_name_.empty()) os << " " << positional_name_ << "...";
  os << "\n\n" << summary_ << "\n\nflags:\n";
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    if (s.help.rfind("internal:", 0) == 0) continue;  // for hqc's own use (a child process's flags)
    std::string left = "  --" + name + (s.takes_value ? " " + placeholder(s.help, s.default_value, s.meta) : "");
    for (const auto& [alias, target] : aliases_)
      if (target == name) left += ", --" + alias;
    os << left;
    if (left.size() < 26) os << std::string(26 - left.size(), ' ');
    else os << "\n" << std::string(26, ' ');
    os << s.help;
    if (s.required) os << " (required)";
    if (!s.default_value.empty()) os << " (default: " << s.default_value << ")";
    os << "\n";
  }
  if (!positional_name_.empty()) os << "  " << positional_name_ << "  " << positional_help_ << "\n";
  return os.str();
}

// --- JSON ---------------------------------------------------------------------------------------
Json& Json::set(const std::string& key, Json value) {
  auto& obj = std::get<Object>(v_);
  for (auto& [k, v] : obj) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  obj.emplace_back(key, std::move(value));
  return *this;
}

Json& Json::push(Json value) {
  std::get<Array>(v_).push_back(std::move(value));
  return *this;
}

namespace {
void write_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// How a NonFinite message from one level down continues a key path: "[2]..." and "\"key\"..." are
// more path, anything else is the message after it.
std::string path_tail(const std::string& inner) {
  if (inner[0] == '[') return inner;
  if (inner[0] == '"') return "." + inner;
  return ": " + inner;
}
}  // namespace

void Json::append_number(std::string& out, double v) {
  // JSON has no NaN or infinity, and writing null would print a failed computation as if it were
  // an answer: the command fails instead (exit 1), naming where the value was.
  if (!std::isfinite(v)) {
    std::ostringstream m;
    m << "the result is not finite (" << v << ") and is not printed";
    throw NonFinite(m.str());
  }
  if (v == std::floor(v) && std::abs(v) < 1e15) {
    out += std::to_string(static_cast<int64_t>(v));
    return;
  }
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  out.append(buf, p);
}

void Json::write(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent > 0) {
      out += '\n';
      out.append(static_cast<std::size_t>(indent * d), ' ');
    }
  };
  if (std::holds_alternative<std::nullptr_t>(v_)) {
    out += "null";
  } else if (auto* b = std::get_if<bool>(&v_)) {
    out += *b ? "true" : "false";
  } else if (auto* d = std::get_if<double>(&v_)) {
    append_number(out, *d);
  } else if (auto* s = std::get_if<std::string>(&v_)) {
    write_string(out, *s);
  } else if (auto* a = std::get_if<Array>(&v_)) {
    // Arrays of plain numbers stay on one line: vectors and matrix rows read better that way.
    bool flat = true;
    for (const auto& x : *a) flat = flat && std::holds_alternative<double>(x.v_);
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i) out += flat ? ", " : ",";
      if (!flat) newline(depth + 1);
      try {
        (*a)[i].write(out, indent, depth + 1);
      } catch (const NonFinite& e) {
        throw NonFinite("[" + std::to_string(i) + "]" + path_tail(e.what()));
      }
    }
    if (!flat && !a->empty()) newline(depth);
    out += ']';
  } else {
    const auto& o = std::get<Object>(v_);
    out += '{';
    for (std::size_t i = 0; i < o.size(); ++i) {
      if (i) out += ',';
      newline(depth + 1);
      write_string(out, o[i].first);
      out += indent > 0 ? ": " : ":";
      try {
        o[i].second.write(out, indent, depth + 1);
      } catch (const NonFinite& e) {
        throw NonFinite("\"" + o[i].first + "\"" + path_tail(e.what()));
      }
    }
    if (!o.empty()) newline(depth);
    out += '}';
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  try {
    write(out, indent, 0);
  } catch (const NonFinite& e) {
    const std::string what = e.what();
    throw RuntimeError("JSON output" + std::string(what[0] == '"' || what[0] == '[' ? " at " : ": ") + what);
  }
  return out;
}

// --- subcommand registry ------------------------------------------------------------------------
std::vector<CommandInfo>& commands() {
  static std::vector<CommandInfo> list;
  return list;
}

Command::Command(const char* name, const char* summary, Run run) {
  commands().push_back(CommandInfo{name, summary, std::move(run)});
}

}  // namespace hqc::cli
