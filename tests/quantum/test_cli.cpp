// `hqc circuit` from outside: its JSON against the library and PennyLane's documented values, and
// docs/cli.md's exit codes (2 for a bad flag, 1 for a zero input vector).
#include <array>
#include <cstdio>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/cli.hpp"
#include "common.hpp"

namespace {
struct Result {
  int code;
  std::string out, err;
};

// Runs `hqc args` through the shell; `prefix` runs first in the same shell (e.g. a ulimit).
Result hqc_run(const std::string& args, const std::string& prefix = "") {
  const std::string err_file = "/tmp/hqc_test_cli_" + std::to_string(getpid()) + ".err";
  const std::string cmd = prefix + " exec " + std::string(HQC_BINARY) + " " + args + " 2>" + err_file;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  std::string err;
  if (FILE* e = std::fopen(err_file.c_str(), "r")) {
    while (size_t n = std::fread(buf.data(), 1, buf.size(), e)) err.append(buf.data(), n);
    std::fclose(e);
  }
  std::remove(err_file.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

// A usage error: exit 2, nothing on stdout, one `hqc: error:` line on stderr containing `want`.
void check_usage_error(const std::string& args, const std::string& want, const std::string& prefix = "") {
  const Result r = hqc_run(args, prefix);
  CHECK_MESSAGE(r.code == 2, "hqc " << args << " exited " << r.code << "; stderr: " << r.err);
  CHECK_MESSAGE(r.out.empty(), "hqc " << args << " printed " << r.out.substr(0, 200));
  CHECK_MESSAGE(r.err.rfind("hqc: error: ", 0) == 0, "hqc " << args << " stderr: " << r.err);
  CHECK_MESSAGE(r.err.find(want) != std::string::npos, "hqc " << args << " stderr lacks '" << want << "': " << r.err);
}

std::string repeat(const std::string& value, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s += (i ? "," : "") + value;
  return s;
}

// The numbers of the JSON array after "key": [.
std::vector<double> json_array(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\": [");
  REQUIRE_MESSAGE(at != std::string::npos, "no key " << key << " in " << json);
  std::vector<double> v;
  const char* p = json.c_str() + json.find('[', at) + 1;
  while (*p && *p != ']') {
    char* end;
    v.push_back(std::strtod(p, &end));
    p = end;
    while (*p == ',' || *p == ' ' || *p == '\n') ++p;
  }
  return v;
}
}  // namespace

TEST_CASE("hqc circuit prints PennyLane's BasicEntanglerLayers values and the adjoint gradients") {
  // |000> (input 1, padded), weights [[pi, pi, pi]] -> <Z> = [1, 1, -1] (PennyLane's docstring).
  Result r = hqc_run("circuit --qubits 3 --layers 1 --input 1 --weights 3.141592653589793,3.141592653589793,3.141592653589793");
  REQUIRE(r.code == 0);
  std::vector<double> e = json_array(r.out, "expvals");
  REQUIRE(e.size() == 3);
  CHECK(e[0] == doctest::Approx(1).epsilon(1e-12));
  CHECK(e[1] == doctest::Approx(1).epsilon(1e-12));
  CHECK(e[2] == doctest::Approx(-1).epsilon(1e-12));
  CHECK(r.out.find("\"state\": [") != std::string::npos);
  CHECK(r.out.find("grad_weights") == std::string::npos);
  // With --grad: the gradients the PyTorch reference gives for x = (0.1, 0.2, 0.3, 0.4), w = 1..8,
  // g = (1, 0, 0, 0) (apps/bench/quantum_torch.py, torch.autograd, double precision).
  Result g = hqc_run("circuit --qubits 4 --layers 2 --input 0.1,0.2,0.3,0.4 --weights 1,2,3,4,5,6,7,8 --grad 1,0,0,0");
  REQUIRE(g.code == 0);
  std::vector<double> gx = json_array(g.out, "grad_input"), gw = json_array(g.out, "grad_weights");
  const std::vector<double> want_x = {-1.1879633125124587, 1.1879633125124585, -1.7403856166698368, 1.0082983843742634};
  const std::vector<double> want_w = {0.1763125421162113, -0.04049139225000496, 0, -0.005027828180245206, 0,
                                      -0.04049139225000493, -0.00502782818024522, -0.040491392250004934};
  REQUIRE(gx.size() == 4);
  REQUIRE(gw.size() == 8);
  for (int i = 0; i < 4; ++i) CHECK(std::abs(gx[i] - want_x[i]) < 1e-12);
  for (int i = 0; i < 8; ++i) CHECK(std::abs(gw[i] - want_w[i]) < 1e-12);
  CHECK(json_array(g.out, "expvals")[0] == doctest::Approx(0.2745327121108403).epsilon(1e-12));
}

TEST_CASE("hqc circuit exit codes: 2 for bad flags, 1 for a zero input, QASM on request") {
  CHECK(hqc_run("circuit --qubits 2 --layers 1 --input 1,2,3,4,5 --weights 1,2").code == 2);
  CHECK(hqc_run("circuit --qubits 2 --layers 1 --input 1 --weights 1,2,3").code == 2);
  CHECK(hqc_run("circuit --qubits 2 --layers 1 --input 1 --weights 1,2 --grad 1").code == 2);
  CHECK(hqc_run("circuit --qubits 2 --layers 1 --input 1 --weights 1,2 --template nope").code == 2);
  CHECK(hqc_run("circuit --qubits 0 --layers 1 --input 1 --weights 1").code == 2);
  CHECK(hqc_run("circuit --qubits 2 --layers 1 --input 0,0 --weights 1,2").code == 1);
  Result q = hqc_run("circuit --qubits 2 --layers 1 --input 1,1 --weights 1,2 --qasm");
  CHECK(q.code == 0);
  CHECK(q.out.rfind("OPENQASM 2.0;", 0) == 0);
  CHECK(q.out.find("rx(1) q[0];\nrx(2) q[1];\ncx q[0],q[1];\nmeasure q -> c;") != std::string::npos);
}

TEST_CASE("list flags refuse empty items and non-numbers, naming the flag") {
  const std::string rest = " --qubits 2 --layers 1 --weights 1,2";
  check_usage_error("circuit --input 1,2," + rest, "flag --input has an empty item at position 3");
  check_usage_error("circuit --input ,1" + rest, "flag --input has an empty item at position 1");
  check_usage_error("circuit --input 1,,2" + rest, "flag --input has an empty item at position 2");
  check_usage_error("circuit --qubits 2 --layers 1 --input 1 --weights 1,x", "flag --weights expects");
  check_usage_error("circuit --qubits 2 --layers 1 --input '1, 2' --weights 1,2", "flag --input expects");
  check_usage_error("circuit --qubits 2 --layers 1 --input 1 --weights 1,nan", "flag --weights expects");
  check_usage_error("circuit --qubits 2 --layers 1 --input 1,inf --weights 1,2", "flag --input expects");
  check_usage_error("circuit --qubits 2 --layers 1 --input 1e400 --weights 1,2", "flag --input expects");
}

TEST_CASE("a flag given an empty value is a usage error naming the flag, for every command") {
  check_usage_error("circuit --qubits 2 --layers 1 --input '' --weights 1,2", "flag --input needs a value, got an empty string");
  check_usage_error("circuit --qubits 2 --layers 1 --input 1 --weights 1,2 --template ''", "flag --template needs a value");
  check_usage_error("circuit --qubits= --layers 1 --input 1 --weights 1,2", "flag --qubits needs a value");
  check_usage_error("train --model hybrid --dataset mnist --out ''", "flag --out needs a value, got an empty string");
  check_usage_error("eval --checkpoint ''", "flag --checkpoint needs a value");
}

TEST_CASE("a --grad that overflows the gradients is refused, never printed as null") {
  const std::string args = "circuit --qubits 2 --layers 1 --input 1,2 --weights 0.3,0.4 --grad ";
  check_usage_error(args + "1e308,1e308", "flag --grad: grad_");
  // The same flags with a representable gradient are answered (the refusal is about overflow only).
  const Result ok = hqc_run(args + "1e300,1e300");
  CHECK(ok.code == 0);
  CHECK(ok.out.find("null") == std::string::npos);
  CHECK(json_array(ok.out, "grad_weights").size() == 2);
}

// AddressSanitizer reserves terabytes of address space for its shadow memory, which no `ulimit -v`
// allows: a sanitized hqc cannot start under the limit these checks need.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

TEST_CASE("the memory guard refuses 30 qubits on any machine, naming --qubits") {
  // 16 GiB a state, 64 GiB of text.
  check_usage_error("circuit --qubits 30 --layers 1 --input 1 --weights " + repeat("0.5", 30), "flag --qubits 30");
}

TEST_CASE("the memory guard counts the states and the output text and refuses before allocating them") {
  if (kAddressSanitizer) HQC_SKIP("built with AddressSanitizer, which cannot run under ulimit -v");
  // Under a 1 GB address-space limit 24 qubits fit as a state (256 MB) but not with their JSON or
  // QASM text (about 1 GB): refused up front, naming --qubits, instead of dying of bad_alloc.
  const std::string limit = "ulimit -v 1000000;";
  const std::string w24 = repeat("0.5", 24);
  check_usage_error("circuit --qubits 24 --layers 1 --input 1 --weights " + w24, "flag --qubits 24", limit);
  check_usage_error("circuit --qubits 24 --layers 1 --input 1 --weights " + w24 + " --qasm", "flag --qubits 24", limit);
  check_usage_error("circuit --qubits 24 --layers 1 --input 1 --weights " + w24 + " --grad " + repeat("1", 24),
                    "states, gradients and JSON text of 24 qubits need", limit);
  // What passes the guard under the limit runs to the end: 2^18 amplitudes, with gradients.
  const Result r = hqc_run("circuit --qubits 18 --layers 1 --input 1,2,3 --weights " + repeat("0.5", 18) + " --grad " +
                               repeat("1", 18),
                           limit);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  size_t rows = 0;
  for (size_t at = r.out.find("\n    ["); at != std::string::npos; at = r.out.find("\n    [", at + 1)) ++rows;
  CHECK(rows == size_t{1} << 18);
  CHECK(json_array(r.out, "grad_input").size() == 3);
}

TEST_CASE("the memory guard counts the density matrices of --noise and refuses before allocating them") {
  if (kAddressSanitizer) HQC_SKIP("built with AddressSanitizer, which cannot run under ulimit -v");
  // Under 1 GB: one 11-qubit rho (64 MB) fits, the gradient sweep's 24 (1.5 GB) do not.
  const std::string limit = "ulimit -v 1000000;";
  const std::string args = "circuit --qubits 11 --layers 1 --input 1 --weights " + repeat("0.5", 11) + " --noise bit_flip=0.1";
  check_usage_error(args + " --grad " + repeat("1", 11), "flag --qubits 11: the density matrices of the gradient sweep need 1536 MiB",
                    limit);
  const Result r = hqc_run(args, limit);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(json_array(r.out, "probabilities").size() == 2048);
}

TEST_CASE("hostile inputs get a clear error naming the flag, never a crash") {
  // The zero vector and vectors whose squared norm leaves double precision: runtime errors (exit 1).
  for (const std::string extra : {"", " --qasm"}) {
    Result z = hqc_run("circuit --qubits 2 --layers 1 --input 0,0,0 --weights 1,2" + extra);
    CHECK(z.code == 1);
    CHECK(z.out.empty());
    CHECK_MESSAGE(z.err.find("hqc: error: --input: AmplitudeEmbedding: sample 0 is a zero vector") == 0, z.err);
    Result tiny = hqc_run("circuit --qubits 2 --layers 1 --input 1e-200,1e-200 --weights 1,2" + extra);
    CHECK(tiny.code == 1);
    CHECK_MESSAGE(tiny.err.find("--input: AmplitudeEmbedding: sample 0 has a squared norm that underflows") !=
                      std::string::npos,
                  tiny.err);
    Result huge = hqc_run("circuit --qubits 2 --layers 1 --input 1e300,1 --weights 1,2" + extra);
    CHECK(huge.code == 1);
    CHECK_MESSAGE(huge.err.find("squared norm that overflows") != std::string::npos, huge.err);
  }
  check_usage_error("circuit --qubits 2 --layers 0 --input 1 --weights 1,2", "flag --layers must be in [1, ");
  check_usage_error("circuit --qubits 2 --layers 100000 --input 1 --weights 1,2", "flag --weights has 2 values");
  check_usage_error("circuit --qubits 2 --layers 99999999999 --input 1 --weights 1,2", "flag --layers must be in");
  check_usage_error("circuit --qubits 31 --layers 1 --input 1 --weights 1,2", "flag --qubits must be in [1, 30]");
  check_usage_error("circuit --qubits 2 --layers 1 --input 1 --weights 1,2,3,4 --template strong",
                    "flag --weights has 4 values");
}

TEST_CASE("Json::dump refuses NaN and infinity, naming the key path, and prints finite numbers as before") {
  using hqc::cli::Json;
  Json doc = Json::object();
  doc.set("expvals", Json::array_of(std::vector<double>{1, 0.5, -2.25e-7}));
  CHECK(doc.dump() == "{\n  \"expvals\": [1, 0.5, -2.25e-07]\n}");
  Json rows = Json::array();
  rows.push(Json::array_of(std::vector<double>{0, 1}));
  rows.push(Json::array_of(std::vector<double>{std::nan(""), 1}));
  doc.set("state", rows);
  CHECK_THROWS_WITH_AS(doc.dump(), "JSON output at \"state\"[1][0]: the result is not finite (nan) and is not printed",
                       hqc::cli::RuntimeError);
  Json inner = Json::object();
  inner.set("loss", HUGE_VAL);
  Json outer = Json::object();
  outer.set("epochs", Json::array_of(std::vector<Json>{inner}));
  CHECK_THROWS_WITH_AS(outer.dump(-1), doctest::Contains("at \"epochs\"[0].\"loss\": the result is not finite (inf)"),
                       hqc::cli::RuntimeError);
  CHECK_THROWS_AS(Json(-HUGE_VAL).dump(), hqc::cli::RuntimeError);
}

TEST_CASE("hqc circuit --noise: hand-computed values and gradient, and refusals naming the flag") {
  // RX(0.5)|0> then depolarizing(0.3): <Z> = (1 - 4p/3) cos t = 0.6 cos 0.5, d<Z>/dt = -0.6 sin 0.5.
  const Result r = hqc_run("circuit --qubits 1 --layers 1 --input 1 --weights 0.5 --noise depolarizing=0.3 --grad 1");
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(json_array(r.out, "expvals")[0] == doctest::Approx(0.6 * std::cos(0.5)).epsilon(1e-14));
  CHECK(json_array(r.out, "grad_weights")[0] == doctest::Approx(-0.6 * std::sin(0.5)).epsilon(1e-14));
  CHECK(r.out.find("\"noise\": \"depolarizing=0.3\"") != std::string::npos);
  // RX(pi)|0> = |1>, then amplitude damping 0.25: P(1) = 0.75, <Z> = -0.5.
  const Result d = hqc_run("circuit --qubits 1 --layers 1 --input 1 --weights 3.141592653589793 --noise amplitude_damping=0.25");
  REQUIRE_MESSAGE(d.code == 0, d.err);
  CHECK(json_array(d.out, "expvals")[0] == doctest::Approx(-0.5).epsilon(1e-14));
  check_usage_error("circuit --qubits 1 --layers 1 --input 1 --weights 0.5 --noise bogus=0.1", "flag --noise: noise item 1 'bogus=0.1': unknown channel");
  check_usage_error("circuit --qubits 1 --layers 1 --input 1 --weights 0.5 --noise bit_flip=2", "flag --noise: noise item 1 'bit_flip=2': probability must be in [0, 1]");
  check_usage_error("circuit --qubits 13 --layers 1 --input 1 --weights " + repeat("1", 13) + " --noise bit_flip=0.1",
                    "flag --qubits 13: with --noise or --shots the density-matrix simulator takes at most 12 qubits");
  check_usage_error("circuit --qubits 1 --layers 1 --input 1 --weights 0.5 --noise bit_flip=0.1 --draw", "does not go with --draw");
  // --qasm notes the noise model and the shots as comments; the gates are those of the ideal export.
  const Result ideal = hqc_run("circuit --qubits 2 --layers 1 --input 1,1 --weights 1,2 --qasm");
  const Result q = hqc_run("circuit --qubits 2 --layers 1 --input 1,1 --weights 1,2 --qasm --noise depolarizing=0.01,bit_flip=0.02 --shots 100");
  REQUIRE(q.code == 0);
  CHECK(q.out.find("// noise: depolarizing=0.01,bit_flip=0.02\n") != std::string::npos);
  CHECK(q.out.find("// shots: 100 per expectation value\n") != std::string::npos);
  auto without_comments = [](const std::string& text) {
    std::string out, line;
    std::istringstream in(text);
    while (std::getline(in, line))
      if (line.rfind("// noise", 0) != 0 && line.rfind("// shots", 0) != 0 && line.rfind("// it acts", 0) != 0 &&
          line.rfind("// qml.", 0) != 0)
        out += line + "\n";
    return out;
  };
  CHECK(without_comments(q.out) == ideal.out);
  check_usage_error("circuit --qubits 1 --layers 1 --input 1 --weights 0.5 --seed 4", "flag --seed applies with --shots only");
  check_usage_error("circuit --qubits 1 --layers 1 --input 1 --weights 0.5 --shots 0", "--shots");
}

TEST_CASE("hqc circuit --shots: values on the 2/S grid, the same for the same seed, others for another") {
  const std::string args = "circuit --qubits 3 --layers 2 --input 1,2,3,4,5 --weights 1,2,3,4,5,6 --noise depolarizing=0.01 --shots 1000 --grad 1,1,1";
  const Result a = hqc_run(args + " --seed 7"), b = hqc_run(args + " --seed 7"), c = hqc_run(args + " --seed 8");
  REQUIRE_MESSAGE(a.code == 0, a.err);
  CHECK(a.out == b.out);
  CHECK(json_array(a.out, "expvals") != json_array(c.out, "expvals"));
  CHECK(json_array(a.out, "grad_input") == json_array(c.out, "grad_input"));  // exact, no shot noise
  for (double v : json_array(a.out, "expvals")) CHECK(std::abs((v + 1) * 500 - std::round((v + 1) * 500)) < 1e-9);
  CHECK(json_array(a.out, "grad_weights").size() == 6);
}
