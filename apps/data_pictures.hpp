// data_pictures.hpp — what the original drew of its data and predictions, drawn by hqc: sample images
// of each split, the class distribution of each split (picture and CSV), and a grid of test images
// with their true and predicted classes (picture and CSV).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "apps/models.hpp"
#include "datasets/dataset.hpp"
#include "datasets/loader.hpp"
#include "nn/module.hpp"

namespace hqc::app {

// Into `out`: samples_train.png, samples_val.png, samples_test.png (the first `count` images of each
// split as stored, with their class), class_distribution.png and class_distribution.csv (class,
// name, train, val, test: image counts).
void write_split_pictures(const data::Dataset& train_all, const data::Split& split, const data::Dataset& test, int64_t count,
                          const std::filesystem::path& out, const std::string& title);
// Into `out`: predictions.png and predictions.csv (index, label, predicted) for the first `count`
// test images.
void write_prediction_grid(nn::Module& model, const ModelConfig& config, const data::Dataset& test, int64_t count,
                           const std::filesystem::path& out, const std::string& title);
// The files the two write (each PNG with its SVG).
const std::vector<std::string>& data_picture_names();

}  // namespace hqc::app
