// nn.hpp — everything of hqc::nn in one include.
#pragma once

#include "nn/activation.hpp"
#include "nn/batchnorm.hpp"
#include "nn/conv2d.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/loss.hpp"
#include "nn/module.hpp"
#include "nn/pooling.hpp"
#include "nn/atomic_file.hpp"
#include "nn/checkpoint.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"
#include "nn/memory.hpp"
