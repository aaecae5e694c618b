// cli.hpp — what every `hqc` subcommand shares: flag parsing, errors with docs/cli.md's exit codes, JSON.
//
// A subcommand declares its flags on an ArgParser, parses, and reads typed values; a bad or unknown
// flag throws UsageError (exit 2), a failure at run time throws RuntimeError or any std::exception
// (exit 1). main() turns both into one line `hqc: error: ...` on stderr.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace hqc::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ArgParser {
 public:
  ArgParser(std::string command, std::string summary);

  // --name VALUE (default shown in --help; an empty default means "not set"). --help names the kind
  // of value: N (an integer default), X (a number default), DIR, FILE, LIST, the choices when the
  // help starts with a short "a | b" list, else NAME; meta() says it when that guess is wrong. A help
  // text starting with "internal:" hides the flag from --help (it still works).
  ArgParser& option(const std::string& name, const std::string& help, const std::string& default_value = "");
  // The last option declared: its placeholder in --help; marked "(required)" in --help (the command
  // checks it, with a message of its own); also accepted as --`alias`.
  ArgParser& meta(const std::string& placeholder);
  ArgParser& required();
  ArgParser& alias(const std::string& alias);
  // --name (no value).
  ArgParser& flag(const std::string& name, const std::string& help);
  // Positional arguments (e.g. image files); none allowed unless declared.
  ArgParser& positionals(const std::string& name, const std::string& help);

  // Parses argv (without the program and subcommand names). Returns false when --help was asked
  // for (usage already printed to stdout); throws UsageError on anything unknown or missing.
  bool parse(const std::vector<std::string>& args);

  bool has(const std::string& name) const;  // given on the command line, or has a default
  bool given(const std::string& name) const;  // given on the command line
  bool is_set(const std::string& name) const;  // a flag that was given
  std::vector<std::string> given_names() const;  // the flags given, by their declared names
  std::string str(const std::string& name) const;
  int64_t integer(const std::string& name, int64_t min = INT64_MIN, int64_t max = INT64_MAX) const;
  double number(const std::string& name) const;
  std::vector<double> numbers(const std::string& name) const;  // comma-separated
  std::vector<std::string> strings(const std::string& name) const;  // comma-separated
  // One of the listed choices, else UsageError naming the flag and the choices.
  std::string choice(const std::string& name, const std::vector<std::string>& choices) const;
  const std::vector<std::string>& rest() const { return rest_; }
  std::string usage() const;

 private:
  struct Spec {
    std::string help, default_value, meta;
    bool takes_value = true, required = false;
  };
  Spec& last();
  const Spec& spec(const std::string& name) const;
  std::string command_, summary_, positional_name_, positional_help_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> aliases_;  // alias -> declared name
  std::map<std::string, std::string> values_;
  std::vector<std::string> rest_;
};

// A JSON value, enough to write the documents of docs/cli.md (numbers as shortest round-trip text).
class Json {
 public:
  using Object = std::vector<std::pair<std::string, Json>>;  // keeps insertion order
  using Array = std::vector<Json>;
  Json() : v_(nullptr) {}
  Json(std::nullptr_t) : v_(nullptr) {}
  Json(bool b) : v_(b) {}
  Json(int v) : v_(static_cast<double>(v)) {}
  Json(int64_t v) : v_(static_cast<double>(v)) {}
  Json(uint64_t v) : v_(static_cast<double>(v)) {}
  Json(double v) : v_(v) {}
  Json(const char* s) : v_(std::string(s)) {}
  Json(std::string s) : v_(std::move(s)) {}
  Json(Array a) : v_(std::move(a)) {}
  Json(Object o) : v_(std::move(o)) {}
  static Json object() { return Json(Object{}); }
  static Json array() { return Json(Array{}); }
  template <typename T> static Json array_of(const std::vector<T>& xs) {
    Array a;
    for (const auto& x : xs) a.emplace_back(x);
    return Json(std::move(a));
  }
  Json& set(const std::string& key, Json value);  // object: add or replace
  Json& push(Json value);                         // array: append
  // Throws RuntimeError naming the key path (e.g. "grad_weights"[3]) of a NaN or infinite number:
  // JSON cannot hold one, and null would pass a failed computation off as an answer.
  std::string dump(int indent = 2) const;
  // Appends a finite number as dump() writes it (integers plainly, others in the shortest form
  // that reads back to the same double); throws NonFinite otherwise. For documents too large to
  // build as a tree.
  struct NonFinite : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  static void append_number(std::string& out, double v);

 private:
  void write(std::string& out, int indent, int depth) const;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v_;
};

// Registration of subcommands: each apps/cmd_<name>.cpp defines one with a static Command.
struct Command {
  using Run = std::function<int(const std::vector<std::string>& args)>;
  Command(const char* name, const char* summary, Run run);
};
struct CommandInfo {
  std::string name, summary;
  Command::Run run;
};
std::vector<CommandInfo>& commands();

}  // namespace hqc::cli
