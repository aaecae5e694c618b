// test_progress.cpp — the progress line: plain lines off a terminal, in-place redraws on one, with a
// fake clock so the numbers are exact.
#include <doctest/doctest.h>

#include <sstream>

#include "apps/progress.hpp"

using namespace hqc::app;

TEST_CASE("format_duration writes minutes and hours") {
  CHECK(format_duration(7) == "0:07");
  CHECK(format_duration(123) == "2:03");
  CHECK(format_duration(3723) == "1:02:03");
  CHECK(format_duration(-1) == "--:--");
}

TEST_CASE("plain mode writes one line at the end with loss, accuracy, rate and time, and no carriage return") {
  std::ostringstream out;
  double now = 100.0;
  {
    Progress p("epoch 1/3 train", 4, Progress::Mode::plain, out, [&] { return now; });
    for (int b = 1; b <= 4; ++b) {
      now += 0.5;
      p.update(b, b * 64, 1.5 / b, 0.25 * b);
    }
    CHECK(out.str().empty());  // nothing before the end of a short pass
  }
  const std::string s = out.str();
  CHECK(s == "epoch 1/3 train 4/4 loss 0.3750 acc 100.00% 128 img/s took 0:02\n");
}

TEST_CASE("the line names its two numbers as the pass says (an attack's adversarial loss and robust accuracy)") {
  std::ostringstream out;
  double now = 0.0;
  {
    Progress p("pgd eps 0.1", 2, Progress::Mode::plain, out, [&] { return now; });
    p.loss_name = "adversarial loss";
    p.accuracy_name = "robust accuracy";
    now = 1.0;
    p.update(2, 100, 2.25, 0.125);
  }
  CHECK(out.str() == "pgd eps 0.1 2/2 adversarial loss 2.2500 robust accuracy 12.50% 100 img/s took 0:01\n");
}

TEST_CASE("plain mode reports long passes every interval") {
  std::ostringstream out;
  double now = 0.0;
  Progress p("eval", 100, Progress::Mode::plain, out, [&] { return now; });
  p.plain_interval = 10;
  for (int b = 1; b <= 100; ++b) {
    now += 0.5;  // 50 s in all: lines at 10, 20, 30, 40 s, and the final one
    p.update(b, b * 10, 1.0, 0.5);
  }
  p.finish();
  int lines = 0;
  for (char c : out.str()) lines += c == '\n';
  CHECK(lines == 5);
  CHECK(out.str().find('\r') == std::string::npos);
  CHECK(out.str().find("20/100") != std::string::npos);
  CHECK(out.str().find("20/100 loss 1.0000 acc 50.00% 20 img/s ETA 0:40") != std::string::npos);  // 10 s per 20 batches, 80 left
}

TEST_CASE("terminal mode redraws in place with a bar and ends with a newline") {
  std::ostringstream out;
  double now = 0.0;
  Progress p("train", 10, Progress::Mode::terminal, out, [&] { return now; });
  for (int b = 1; b <= 10; ++b) {
    now += 0.2;
    p.update(b, b * 64, 0.5, 0.5);
  }
  p.finish();
  const std::string s = out.str();
  CHECK(s.front() == '\r');
  CHECK(s.back() == '\n');
  CHECK(s.find("[========================]") != std::string::npos);
  CHECK(s.find("10/10") != std::string::npos);
  int returns = 0;
  for (char c : s) returns += c == '\r';
  CHECK(returns == 11);  // every update (0.2 s apart) and the final draw
}

TEST_CASE("silent mode writes nothing") {
  std::ostringstream out;
  {
    Progress p("x", 3, Progress::Mode::silent, out, [] { return 0.0; });
    p.update(3, 3, 0, 0);
  }
  CHECK(out.str().empty());
}
