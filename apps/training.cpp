// training.cpp — the training loop with the original's recipes, evaluation, checkpoints.
#include "apps/training.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "apps/distributed.hpp"
#include "apps/memory.hpp"
#include "apps/plot.hpp"
#include "autograd/functions.hpp"
#include "datasets/loader.hpp"
#include "datasets/transforms.hpp"
#include "nn/activation.hpp"
#include "nn/checkpoint.hpp"
#include "nn/loss.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"
#include "quantum/layer.hpp"
#include "tensor/parallel.hpp"
#include "tensor/reduce.hpp"

namespace hqc::app {

namespace {
double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
// CPU time of the whole process, all threads: what the epoch cost the machine, which wall time on a
// shared machine is not.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
}  // namespace

StepResult train_step(nn::Module& model, const Recipe& rc, nn::Optimizer& optimizer, nn::LRScheduler& schedule,
                      const Tensor& images, const Tensor& labels) {
  StepResult r;
  r.logits = model(Variable(images));
  Variable loss = nn::cross_entropy(r.logits, labels, rc.label_smoothing);
  r.loss = loss.item();
  if (!std::isfinite(r.loss)) throw TrainingDiverged(r.loss);
  optimizer.zero_grad();
  loss.backward();
  if (rc.clip_norm > 0) nn::clip_grad_norm(optimizer.params(), rc.clip_norm);
  optimizer.step();
  schedule.step();
  return r;
}

std::vector<int64_t> argmax_rows(const Tensor& logits) {
  const Tensor l = logits.to(DType::f32).contiguous();  // (B, K)
  const int64_t b = l.size(0), k = l.size(1);
  const float* p = l.data<float>();
  std::vector<int64_t> out(b);
  for (int64_t i = 0; i < b; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < k; ++j)
      if (p[i * k + j] > p[i * k + best]) best = j;  // the first maximum, as torch.argmax
    out[i] = best;
  }
  return out;
}

void check_dataset_fits(const ModelConfig& c, const data::Dataset& ds) {
  if (ds.image_shape() != c.input || ds.num_classes() != c.classes)
    throw std::runtime_error("dataset " + ds.name() + " has images " + shape_str(ds.image_shape()) + " and " +
                             std::to_string(ds.num_classes()) + " classes, but the model (trained on " + c.dataset +
                             ") takes " + shape_str(c.input) + " and " + std::to_string(c.classes) + " classes");
}

void save_model(const std::string& path, nn::Module& model, const ModelConfig& config) {
  nn::save_checkpoint(path, model, config.to_json());
}

LoadedModel load_model(const std::string& path) {
  // read_checkpoint refuses what is not a regular file, a corrupt file and non-finite weights.
  nn::Checkpoint ck = nn::read_checkpoint(path);
  LoadedModel m;
  try {
    // Every field is checked against the named dataset's model before anything is allocated for it.
    m.config = ModelConfig::from_json(ck.config);
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + path + ": not an hqc model checkpoint: " + e.what());
  }
  try {
    m.recipe = recipe_from_checkpoint(ck.config, m.config);
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + path + ": " + e.what());
  }
  m.model = build_model(m.config, 0);
  try {
    m.model->load_state(ck.tensors);
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + path + ": does not fit the " + m.config.display_name() + " model for " +
                             m.config.dataset + ": " + e.what());
  }
  m.model->eval();
  return m;
}

EvalResult evaluate(nn::Module& model, const ModelConfig& config, const data::Dataset& ds,
                    const std::vector<int64_t>& indices, int64_t batch, double label_smoothing,
                    const std::string& label, Progress::Mode mode, const data::Pipeline* pipeline, int64_t epoch,
                    uint64_t seed) {
  // An accuracy and loss of 0 over no images would read as a result.
  if (ds.size() == 0)
    throw std::runtime_error("dataset " + ds.name() + " " + ds.split() + " split holds no images: nothing to evaluate");
  data::LoaderOptions lo;
  lo.batch_size = batch;
  lo.shuffle = false;
  lo.seed = seed;
  data::Loader loader(ds, indices, pipeline ? *pipeline : data::standard_pipeline(ds.name(), false), lo);
  model.eval();
  NoGradGuard no_grad;
  ConfusionMatrix cm(config.classes);
  double loss_sum = 0;
  int64_t seen = 0, correct = 0, k = 0;
  Progress progress(label, loader.num_batches(), mode);
  loader.start_epoch(epoch);
  data::Batch b;
  while (loader.next(b)) {
    check_stop();
    // Under mpirun each rank computes its share of the batch; the loss and the predictions are the
    // whole batch's (distributed.hpp).
    const dist::Batch share(b.images.size(0));
    Variable logits = model(Variable(share.rows(b.images)));
    Variable loss = nn::cross_entropy(logits, share.rows(b.labels), label_smoothing);
    const int64_t n = b.images.size(0);
    loss_sum += loss.item() * static_cast<double>(n);
    const auto pred = share.gather_rows(argmax_rows(logits.data()));
    const int64_t* y = b.labels.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      cm.add(y[i], pred[i]);
      correct += pred[i] == y[i];
    }
    seen += n;
    progress.update(++k, seen, loss_sum / seen, static_cast<double>(correct) / seen);
  }
  progress.finish();
  if (!std::isfinite(loss_sum))
    throw std::runtime_error(label + ": the model's loss on " + ds.name() + " " + ds.split() + " is not finite (" +
                             std::to_string(loss_sum) + ")");
  EvalResult r;
  r.count = seen;
  r.loss = loss_sum / seen;
  r.report = classification_report(cm);
  r.accuracy = r.report.accuracy;
  r.confusion = cm.counts();
  return r;
}

FlagList train_flags(const ModelConfig& c, const TrainOptions& o) {
  FlagList flags{{"model", model_name(c.model)},
          {"dataset", c.dataset},
          {"quantum", quantum_name(c.quantum)},
          {"qubits", std::to_string(c.qubits)},
          {"epochs", std::to_string(o.epochs)},
          {"batch", std::to_string(o.batch)},
          {"val-fraction", format_number(o.val_fraction)},
          {"limit", std::to_string(o.limit)},
          {"test-limit", std::to_string(o.test_limit)},
          {"augment", o.augment ? "on" : "off"},
          {"seed", std::to_string(o.seed)},
          {"data", o.data_dir},
          {"threads", std::to_string(num_threads())}};
  // Only the recipe flags given: a run with the model's own recipe records what it always recorded.
  for (auto& f : recipe_flags(o.recipe)) flags.push_back(std::move(f));
  // The same for noise and shots: a noiseless run's flags are what they always were.
  if (!c.noise.empty()) flags.emplace_back("noise", c.noise.to_string());
  if (c.shots > 0) flags.emplace_back("shots", std::to_string(c.shots));
  if (o.original_data) flags.emplace_back("data-handling", "original");  // only when given, too
  if (o.val_attack_every > 0) {  // and the robustness checks
    flags.emplace_back("val-attack-every", std::to_string(o.val_attack_every));
    flags.emplace_back("val-attack-limit", std::to_string(o.val_attack_limit));
    flags.emplace_back("val-attack-eps", format_number(o.val_attack.eps));
    flags.emplace_back("val-attack-alpha", format_number(o.val_attack.alpha));
    flags.emplace_back("val-attack-steps", std::to_string(o.val_attack.steps));
  }
  return flags;
}

namespace {
std::vector<std::pair<std::string, Tensor>> snapshot(const nn::Module& m) {
  auto s = m.state();
  for (auto& [name, t] : s) t = t.clone();
  return s;
}

// A module that draws from a random stream at every call: a Dropout, or a quantum layer with shots.
struct StreamUser {
  nn::Dropout* dropout = nullptr;
  quantum::QuantumLayer* layer = nullptr;
  uint64_t calls() const { return dropout ? dropout->calls() : layer->calls(); }
  void set_calls(uint64_t c) const { dropout ? dropout->set_calls(c) : layer->set_calls(c); }
};
// The model's stream users by name: their call counts are the run's stream positions.
std::vector<std::pair<std::string, StreamUser>> dropouts(nn::Module& m) {
  std::vector<std::pair<std::string, StreamUser>> out;
  for (const auto& [name, mod] : m.named_modules()) {
    if (auto* d = dynamic_cast<nn::Dropout*>(mod)) out.emplace_back(name, StreamUser{d, nullptr});
    auto* q = dynamic_cast<quantum::QuantumLayer*>(mod);
    if (q && q->realism().shots > 0) out.emplace_back(name, StreamUser{nullptr, q});
  }
  return out;
}

// Loads last.hqc into the freshly built run (model, optimiser, schedule as at its start) and `res`.
// The flags must be the run's own (threads aside); any mismatch throws before anything changes
// that matters: the caller aborts the run.
void resume_from(const std::filesystem::path& path, const FlagList& flags, nn::Module& model, nn::Optimizer& optimizer,
                 nn::LRScheduler& schedule, TrainResult& res, std::vector<std::pair<std::string, Tensor>>& best_state,
                 const ModelConfig& config) {
  const std::string p = path.string();
  RunState s = read_run_state(path);
  for (const auto& [name, value] : flags) {
    if (name == "threads") continue;
    const std::string* saved = find_flag(s.flags, name);
    if (!saved || *saved != value)
      throw OptionError(p + ": the saved run has --" + name + " " + (saved ? *saved : "(none)") + ", this one --" +
                        name + " " + value + "; resume it with its own flags (hqc train --resume DIR)");
  }
  const auto ds = dropouts(model);
  bool same_dropouts = ds.size() == s.dropout.size();
  for (size_t i = 0; same_dropouts && i < ds.size(); ++i) same_dropouts = ds[i].first == s.dropout[i].first;
  if (!same_dropouts)
    throw std::runtime_error(p + ": its stream positions do not name the " + config.display_name() +
                             " model's Dropout layers (and quantum layer with shots)");
  try {
    if (s.best_epoch > 0) model.load_state(s.best);  // checks the best weights fit before they are needed
    model.load_state(s.model);
    optimizer.load_state(s.optimizer);
    schedule.load_state(s.schedule);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(p + ": does not fit the " + config.display_name() + " run it names: " + e.what());
  }
  for (size_t i = 0; i < ds.size(); ++i) ds[i].second.set_calls(s.dropout[i].second);
  res.epochs = std::move(s.epochs);
  res.robustness = std::move(s.robustness);
  res.best_epoch = s.best_epoch;
  res.best_val_accuracy = s.best_val_accuracy;
  best_state = std::move(s.best);
  if (s.finished) {
    if (static_cast<int64_t>(s.test_confusion.size()) != config.classes)
      throw std::runtime_error(p + ": its test confusion matrix has " + std::to_string(s.test_confusion.size()) +
                               " classes, the model " + std::to_string(config.classes));
    ConfusionMatrix cm(config.classes);
    for (int64_t t = 0; t < config.classes; ++t)
      for (int64_t q = 0; q < config.classes; ++q)
        for (int64_t c = 0; c < s.test_confusion[t][q]; ++c) cm.add(t, q);
    res.test.loss = s.test_loss;
    res.test.report = classification_report(cm);
    res.test.accuracy = res.test.report.accuracy;
    res.test.confusion = cm.counts();
    res.test.count = cm.total();
    res.resumed_finished = true;
  }
}
}  // namespace

namespace {
// What one training step exchanged between the ranks (stderr, rank 0): the figure docs/mpi.md uses.
void report_traffic(const dist::Traffic& before, int ranks) {
  const dist::Traffic now = dist::traffic();
  std::cerr << "data-parallel over " << ranks << " ranks: one training step exchanged " << now.calls - before.calls
            << " sums, " << now.bytes_sent - before.bytes_sent << " bytes sent and "
            << now.bytes_received - before.bytes_received << " received by rank 0\n";
}

// Refuses a split that would train on nothing or validate on nothing (a usage error naming the flag to
// change). BatchNorm cannot normalise a training batch of one image, so the loader drops a last batch
// of one, and one image per batch, or one training image in all, means no training step at all.
void check_training_split(int64_t n, bool limited, const data::Split& split, const TrainOptions& opt) {
  const std::string images = std::to_string(n) + (limited ? " images (--limit " + std::to_string(opt.limit) + ")"
                                                          : " training images");
  char vf[32];
  std::snprintf(vf, sizeof vf, "%g", opt.val_fraction);
  const std::string fraction = std::string("--val-fraction ") + vf;
  const std::string or_limit = limited ? " or --limit" : "";
  if (opt.batch < 2)
    throw OptionError("--batch: " + std::to_string(opt.batch) +
                      " image per batch cannot be batch-normalised in training; use --batch 2 or more");
  if (n < 3) {  // one image to validate on, two to train on
    if (!limited) throw std::runtime_error("dataset has " + images + "; training needs at least 3");
    throw OptionError("--limit " + std::to_string(opt.limit) + ": training needs at least 3 images (2 to train on, 1 to validate)");
  }
  if (split.val.empty())
    throw OptionError(fraction + " of " + images + " leaves no validation image; raise --val-fraction" + or_limit);
  if (split.train.empty())
    throw OptionError(fraction + " of " + images + " leaves no training image; lower --val-fraction" + or_limit);
  if (split.train.size() < 2) {
    const std::string why = " leaves " + std::to_string(split.train.size()) + " training image, and a training batch needs 2";
    if (limited) throw OptionError("--limit " + std::to_string(opt.limit) + " with " + fraction + why + "; raise --limit");
    throw OptionError(fraction + " of " + images + why + "; lower --val-fraction");
  }
}
}  // namespace

// PGD on the validation images `val` after epoch `epoch` (TrainOptions::val_attack_every), from the
// attack's own random stream; the model is left in evaluation mode, its weights untouched (their
// gradients are cleared by the next training step).
static RobustnessRecord robustness_check(nn::Module& model, const ModelConfig& config, const data::Dataset& val,
                                  const TrainOptions& opt, int epoch, Progress::Mode mode) {
  AttackOptions ao = opt.val_attack;
  ao.seed = opt.seed;
  ao.stream = kValAttackStream + static_cast<uint64_t>(epoch);
  ao.batch = opt.batch;
  const double t0 = now_seconds();
  const AttackResult a = attack_model(model, config, val, 0, ao, mode);
  RobustnessRecord r;
  r.epoch = epoch;
  r.count = a.count;
  r.clean_accuracy = a.clean_accuracy, r.robust_accuracy = a.robust_accuracy, r.adversarial_loss = a.mean_loss;
  r.seconds = now_seconds() - t0;
  return r;
}

TrainResult train_model(const ModelConfig& config, const TrainOptions& opt) {
  if (opt.epochs < 1) throw OptionError("--epochs: must be at least 1");
  if (opt.batch < 1) throw OptionError("--batch: must be at least 1");
  if (!(opt.val_fraction > 0 && opt.val_fraction < 1)) throw OptionError("--val-fraction: must be in (0, 1)");
  if (opt.val_attack_every < 0) throw OptionError("--val-attack-every: must be 0 (never) or more");
  if (opt.val_attack_limit < 0) throw OptionError("--val-attack-limit: must be 0 (all) or more");
  if (opt.val_attack_every > 0) {
    try {
      check_attack_options(opt.val_attack);
    } catch (const AttackOptionError& e) {
      throw OptionError("--val-attack-" + (e.option == "steps/alpha" ? std::string("steps/--val-attack-alpha") : e.option) +
                        ": " + e.what());
    }
  }
  reset_peak_rss();
  TrainResult res;
  res.config = config;
  res.recipe = resolve_recipe(config, opt.recipe);
  const Recipe& rc = res.recipe;

  res.data_dir = data::find_dataset(config.dataset, opt.data_dir).string();
  data::Dataset train_all = data::load_dataset(config.dataset, "train", opt.data_dir);
  data::Dataset test = data::load_dataset(config.dataset, "test", opt.data_dir);
  check_dataset_fits(config, train_all);
  if (train_all.size() == 0) throw std::runtime_error("dataset " + config.dataset + " train split holds no images");
  if (test.size() == 0) throw std::runtime_error("dataset " + config.dataset + " test split holds no images: nothing to test on");
  const bool limited = opt.limit > 0 && opt.limit < train_all.size();
  if (limited) train_all = train_all.head(opt.limit);
  if (opt.test_limit > 0 && opt.test_limit < test.size()) test = test.head(opt.test_limit);
  res.class_names = train_all.classes();
  const data::Split split = data::train_val_split(train_all.size(), opt.val_fraction, opt.seed);
  check_training_split(train_all.size(), limited, split, opt);
  if (dist::rank() == 0 && dist::size() > batch_chunks(opt.batch))
    std::cerr << "hqc: warning: --batch " << opt.batch << " is " << batch_chunks(opt.batch) << " chunks of " << kBatchChunk
              << " images, shared by at most as many ranks; the other " << dist::size() - batch_chunks(opt.batch)
              << " of the " << dist::size() << " compute every batch whole, alone (docs/mpi.md)\n";
  res.train_images = static_cast<int64_t>(split.train.size());
  res.val_images = static_cast<int64_t>(split.val.size());
  res.test_images = test.size();

  data::LoaderOptions lo;
  lo.batch_size = opt.batch;
  lo.shuffle = true;
  lo.seed = opt.seed;
  // A last batch of one image cannot be batch-normalised in training (PyTorch refuses it too).
  lo.drop_last = res.train_images % opt.batch == 1;
  if (opt.original_data && !opt.augment)
    throw OptionError("--data-handling original: the original's handling is its augmentation; not with --augment off");
  const data::Pipeline train_pipeline =
      opt.original_data ? data::original_pipeline(config.dataset) : data::standard_pipeline(config.dataset, opt.augment);
  data::Loader train_loader(train_all, split.train, train_pipeline, lo);

  // The validation images the robustness checks attack, in the split's order.
  data::Dataset val_attacked;
  if (opt.val_attack_every > 0) {
    std::vector<int64_t> first = split.val;
    if (opt.val_attack_limit > 0 && opt.val_attack_limit < static_cast<int64_t>(first.size())) first.resize(opt.val_attack_limit);
    val_attacked = train_all.select(first);
  }

  std::shared_ptr<nn::Module> model = build_model(config, opt.seed);
  res.parameters = model->num_parameters();
  std::unique_ptr<nn::Optimizer> optimizer = make_optimizer(rc, model->parameters());
  const int64_t steps_per_epoch = train_loader.num_batches();
  std::unique_ptr<nn::LRScheduler> schedule = make_schedule(rc, *optimizer, opt.epochs, steps_per_epoch);

  // Under mpirun rank 0 alone writes (and locks the folder); every rank reads a run it resumes.
  const bool writer = dist::rank() == 0;
  const Progress::Mode progress_mode = writer ? opt.progress : Progress::Mode::silent;
  std::filesystem::path out;
  std::optional<OutputFolder> out_folder;  // locked until the run's last file is written
  if (!opt.out_dir.empty() && writer) {
    out_folder.emplace(opt.out_dir, opt.out_mode);
    out = out_folder->path();
  } else if (!opt.out_dir.empty()) {
    out = opt.out_dir;
  }

  const std::string title = config.display_name() + " on " + config.dataset;
  const std::filesystem::path state_path = out.empty() ? std::filesystem::path() : out / "last.hqc";
  const FlagList flags = train_flags(config, opt);
  std::vector<std::pair<std::string, Tensor>> best_state;
  auto write_epoch_files = [&] {
    if (out.empty() || !writer) return;
    res.metrics_csv = (out / "metrics.csv").string();
    write_metrics_csv(res.metrics_csv, res.epochs);
    if (opt.val_attack_every > 0) {
      res.robustness_csv = (out / "robustness.csv").string();
      write_robustness_csv(res.robustness_csv, res.robustness);
    }
    res.curves_png = (out / "curves.png").string();
    save_png(render_curves(res.epochs, title), res.curves_png);
  };
  auto write_best = [&] {
    if (out.empty() || !writer) return;
    res.checkpoint = (out / "checkpoint.hqc").string();
    nn::write_checkpoint(res.checkpoint, nn::Checkpoint{checkpoint_config(config, rc), best_state});
  };
  // `weights`: the model's state to keep (the last epoch's, also once the test pass ran on the best).
  auto save_state = [&](const std::vector<std::pair<std::string, Tensor>>& weights, bool finished) {
    if (out.empty() || !writer) return;
    RunState s;
    s.flags = flags;
    s.epochs = res.epochs;
    s.robustness = res.robustness;
    s.best_epoch = res.best_epoch;
    s.best_val_accuracy = res.best_val_accuracy;
    s.model = weights;
    s.best = best_state;
    s.optimizer = optimizer->state();
    s.schedule = schedule->state();
    for (const auto& [name, d] : dropouts(*model)) s.dropout.emplace_back(name, d.calls());
    s.finished = finished;
    if (finished) s.test_loss = res.test.loss, s.test_confusion = res.test.confusion;
    write_run_state(state_path, s);
  };

  try {
    // Rank 0's answer on every rank: it writes last.hqc when it does not exist yet.
    const bool resuming = dist::rank0_says(opt.out_mode == OutputMode::resume && !out.empty() &&
                                           std::filesystem::exists(state_path));
    if (resuming) {
      resume_from(state_path, flags, *model, *optimizer, *schedule, res, best_state, config);
      write_epoch_files();  // rows past the saved state, from a run stopped later, go
      if (res.best_epoch > 0) write_best();  // a run may stop between last.hqc and checkpoint.hqc
      if (writer)
        std::cerr << (res.resumed_finished ? "the run in " + out.string() + " had finished; its result:\n"
                                         : "resuming " + out.string() + " after epoch " + std::to_string(res.epochs.size()) +
                                               " of " + std::to_string(opt.epochs) + "\n");
    } else {
      save_state(model->state(), false);  // an interruption in the first epoch resumes from here
    }
    bool traffic_reported = false;
    for (int epoch = static_cast<int>(res.epochs.size()) + 1; epoch <= opt.epochs && !res.resumed_finished; ++epoch) {
      const double t0 = now_seconds(), c0 = cpu_seconds();
      model->train();
      train_loader.start_epoch(epoch - 1);
      Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(opt.epochs) + " train", steps_per_epoch,
                        progress_mode);
      data::Batch b;
      double loss_sum = 0;
      int64_t seen = 0, correct = 0, k = 0;
      const dist::Traffic traffic_before = dist::traffic();
      while (train_loader.next(b)) {
        check_stop();
        const dist::Batch share(b.images.size(0));  // this rank's rows (distributed.hpp)
        const Tensor labels = share.rows(b.labels);
        StepResult step;
        try {
          step = train_step(*model, rc, *optimizer, *schedule, share.rows(b.images), labels);
        } catch (const TrainingDiverged& e) {
          throw std::runtime_error(std::string(e.what()) + " at epoch " + std::to_string(epoch) + ", batch " +
                                   std::to_string(k + 1));
        }
        const int64_t n = b.images.size(0);
        loss_sum += step.loss * static_cast<double>(n);
        const auto pred = argmax_rows(step.logits.data());
        const int64_t* y = labels.data<int64_t>();
        int64_t right = 0;
        for (size_t i = 0; i < pred.size(); ++i) right += pred[i] == y[i];
        correct += share.sum(right);
        if (k == 0 && share.shared() && writer && !traffic_reported) {
          report_traffic(traffic_before, dist::size());
          traffic_reported = true;
        }
        seen += n;
        progress.update(++k, seen, loss_sum / seen, static_cast<double>(correct) / seen);
      }
      progress.finish();
      EvalResult val = evaluate(*model, config, train_all, split.val, opt.batch, rc.label_smoothing,
                                "epoch " + std::to_string(epoch) + "/" + std::to_string(opt.epochs) + " val  ", progress_mode,
                                opt.original_data ? &train_pipeline : nullptr, epoch - 1, opt.seed);
      EpochRecord rec;
      rec.epoch = epoch;
      rec.train_loss = loss_sum / seen;
      rec.train_accuracy = static_cast<double>(correct) / seen;
      rec.val_loss = val.loss;
      rec.val_accuracy = val.accuracy;
      rec.val_f1 = val.report.f1;
      rec.learning_rate = optimizer->lr();
      rec.seconds = now_seconds() - t0;
      rec.cpu_seconds = cpu_seconds() - c0;
      rec.peak_rss_mb = bytes_to_mb(peak_rss_bytes());
      if (opt.val_attack_every > 0 && epoch % opt.val_attack_every == 0)
        res.robustness.push_back(robustness_check(*model, config, val_attacked, opt, epoch, progress_mode));
      res.epochs.push_back(rec);
      // From here to the state file no stop is taken: the epoch is kept whole or not at all.
      const bool improved = epoch == 1 || val.accuracy > res.best_val_accuracy;
      if (improved) {
        res.best_val_accuracy = val.accuracy;
        res.best_epoch = epoch;
        best_state = snapshot(*model);
      }
      write_epoch_files();
      if (improved) write_best();
      save_state(model->state(), false);
    }
    if (!res.resumed_finished) {
      const auto last_weights = out.empty() ? decltype(best_state){} : snapshot(*model);
      model->load_state(best_state);
      res.test = evaluate(*model, config, test, {}, opt.batch, rc.label_smoothing, "test (best epoch " +
                          std::to_string(res.best_epoch) + ")", progress_mode);
      save_state(last_weights, true);
    } else {
      model->load_state(best_state);
    }
  } catch (Interrupted& e) {
    if (!out.empty()) {
      e.saved_in = state_path.string();
      e.epochs_saved = static_cast<int>(res.epochs.size());
      e.epochs_total = opt.epochs;
    }
    throw;
  }
  double total = 0;
  for (const auto& e : res.epochs) total += e.seconds;
  res.seconds_per_epoch = total / static_cast<double>(res.epochs.size());
  res.peak_rss_mb = bytes_to_mb(peak_rss_bytes());
  if (!out.empty() && writer) {
    res.checkpoint = (out / "checkpoint.hqc").string();
    res.confusion_png = (out / "confusion.png").string();
    save_png(render_confusion(res.test.confusion, res.class_names, "confusion, test split: " + title), res.confusion_png);
  }
  model->eval();
  res.model = model;
  return res;
}

void realism_json(cli::Json& j, const ModelConfig& c) {
  j.set("noise", c.has_circuit() ? cli::Json(c.noise.empty() ? "none" : c.noise.to_string()) : cli::Json(nullptr));
  j.set("shots", c.has_circuit() ? (c.shots > 0 ? cli::Json(c.shots) : cli::Json("exact")) : cli::Json(nullptr));
}

cli::Json train_json(const TrainResult& r) {
  cli::Json j = cli::Json::object();
  const bool hybrid = r.config.model == ModelKind::hybrid;
  j.set("model", model_name(r.config.model)).set("dataset", r.config.dataset);
  j.set("quantum", hybrid ? cli::Json(quantum_name(r.config.quantum)) : cli::Json(nullptr));
  j.set("qubits", hybrid ? cli::Json(r.config.qubits) : cli::Json(nullptr));
  realism_json(j, r.config);
  j.set("parameters", r.parameters).set("recipe", recipe_json(r.recipe));
  cli::Json epochs = cli::Json::array();
  for (const auto& e : r.epochs) {
    cli::Json o = cli::Json::object();
    o.set("epoch", e.epoch).set("train_loss", e.train_loss).set("train_accuracy", e.train_accuracy);
    o.set("val_loss", e.val_loss).set("val_accuracy", e.val_accuracy).set("learning_rate", e.learning_rate);
    o.set("val_f1", e.val_f1).set("seconds", e.seconds).set("cpu_seconds", e.cpu_seconds).set("peak_rss_mb", e.peak_rss_mb);
    epochs.push(o);
  }
  j.set("epochs", epochs);
  if (!r.robustness.empty()) {
    cli::Json checks = cli::Json::array();
    for (const auto& c : r.robustness) {
      cli::Json o = cli::Json::object();
      o.set("epoch", c.epoch).set("images", c.count).set("clean_accuracy", c.clean_accuracy);
      o.set("robust_accuracy", c.robust_accuracy).set("adversarial_loss", c.adversarial_loss).set("seconds", c.seconds);
      checks.push(o);
    }
    j.set("val_robustness", checks);
  }
  j.set("best_epoch", r.best_epoch).set("best_val_accuracy", r.best_val_accuracy);
  j.set("test_accuracy", r.test.accuracy).set("test_loss", r.test.loss);
  j.set("precision", r.test.report.precision).set("recall", r.test.report.recall).set("f1", r.test.report.f1);
  j.set("seconds_per_epoch", r.seconds_per_epoch).set("peak_rss_mb", r.peak_rss_mb);
  j.set("train_images", r.train_images).set("val_images", r.val_images).set("test_images", r.test_images);
  j.set("checkpoint", r.checkpoint.empty() ? cli::Json(nullptr) : cli::Json(r.checkpoint));
  return j;
}

}  // namespace hqc::app
