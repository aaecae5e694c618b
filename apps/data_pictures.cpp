// data_pictures.cpp — sample images, class distributions and a prediction grid (data_pictures.hpp).
#include "apps/data_pictures.hpp"

#include <algorithm>

#include "apps/features.hpp"
#include "apps/plot.hpp"
#include "nn/atomic_file.hpp"

namespace hqc::app {

const std::vector<std::string>& data_picture_names() {
  static const std::vector<std::string> names{
      "samples_train.png", "samples_train.svg", "samples_val.png",         "samples_val.svg",
      "samples_test.png",  "samples_test.svg",  "class_distribution.png",  "class_distribution.svg",
      "class_distribution.csv", "predictions.png", "predictions.svg", "predictions.csv"};
  return names;
}

namespace {
std::string class_name(const data::Dataset& ds, int64_t c) {
  return c >= 0 && c < static_cast<int64_t>(ds.classes().size()) ? ds.classes()[c] : std::to_string(c);
}
int64_t label_of(const data::Dataset& ds, int64_t i) { return ds.labels().data<int64_t>()[i]; }
}  // namespace

void write_split_pictures(const data::Dataset& train_all, const data::Split& split, const data::Dataset& test, int64_t count,
                          const std::filesystem::path& out, const std::string& title) {
  std::vector<int64_t> test_rows(static_cast<std::size_t>(test.size()));
  for (int64_t i = 0; i < test.size(); ++i) test_rows[i] = i;
  const struct {
    const char* name;
    const data::Dataset* ds;
    const std::vector<int64_t>* rows;
  } splits[] = {{"train", &train_all, &split.train}, {"val", &train_all, &split.val}, {"test", &test, &test_rows}};
  for (const auto& s : splits) {
    std::vector<GridImage> grid;
    for (int64_t k = 0; k < std::min<int64_t>(count, static_cast<int64_t>(s.rows->size())); ++k) {
      const int64_t i = (*s.rows)[k];
      grid.push_back({s.ds->image(i), {class_name(*s.ds, label_of(*s.ds, i))}, colors::black});
    }
    save_png(render_image_grid(grid, 10, 2, std::string(s.name) + " split, first images: " + title),
             out / (std::string("samples_") + s.name + ".png"));
  }
  const int64_t k = std::max<int64_t>(train_all.num_classes(), test.num_classes());
  std::vector<std::vector<int64_t>> counts(3, std::vector<int64_t>(static_cast<std::size_t>(k), 0));
  for (int si = 0; si < 3; ++si)
    for (int64_t i : *splits[si].rows) ++counts[si][label_of(*splits[si].ds, i)];
  std::string csv = "class,name,train,val,test\n";
  BarPlot bars;
  bars.title = "class distribution (% of each split): " + title;
  bars.y_label = "share of the split (%)";
  const Rgb col[] = {colors::blue, colors::orange, colors::green};
  for (int si = 0; si < 3; ++si) bars.series.push_back({splits[si].name, {}, col[si]});
  for (int64_t c = 0; c < k; ++c) {
    csv += std::to_string(c) + "," + class_name(test, c) + "," + std::to_string(counts[0][c]) + "," +
           std::to_string(counts[1][c]) + "," + std::to_string(counts[2][c]) + "\n";
    bars.groups.push_back(class_name(test, c));
    for (int si = 0; si < 3; ++si) {
      const double n = static_cast<double>(splits[si].rows->size());
      bars.series[si].values.push_back({n > 0 ? 100.0 * static_cast<double>(counts[si][c]) / n : 0.0});
    }
  }
  nn::write_file_atomically(out / "class_distribution.csv", csv);
  Canvas cv(std::max<int>(900, static_cast<int>(k) * 60), 420);
  draw_bar_plot(cv, 0, 0, cv.width(), cv.height(), bars);
  save_png(cv, out / "class_distribution.png");
}

void write_prediction_grid(nn::Module& model, const ModelConfig& config, const data::Dataset& test, int64_t count,
                           const std::filesystem::path& out, const std::string& title) {
  const HeadFeatures f = head_features(model, config, test, std::min(count, test.size()));
  std::vector<GridImage> grid;
  std::string csv = "index,label,predicted\n";
  for (int64_t i = 0; i < static_cast<int64_t>(f.labels.size()); ++i) {
    const bool right = f.labels[i] == f.predicted[i];
    grid.push_back({test.image(i), {"true: " + class_name(test, f.labels[i]), "pred: " + class_name(test, f.predicted[i])},
                    right ? Rgb{0, 128, 0} : colors::red});
    csv += std::to_string(i) + "," + std::to_string(f.labels[i]) + "," + std::to_string(f.predicted[i]) + "\n";
  }
  nn::write_file_atomically(out / "predictions.csv", csv);
  save_png(render_image_grid(grid, 10, 2, "predictions on the first test images: " + title), out / "predictions.png");
}

}  // namespace hqc::app
