// Proxies that forward to a plugin object through guard_call, so the rest of the host can use
// plugins as ordinary interface objects.
#pragma once

#include <c10/core/DeviceType.h>

#include <memory>
#include <string>

#include "roz/core/precision.hpp"

namespace roz {
class Model;
class Attack;
class Corruption;
class Metric;
}  // namespace roz

namespace roz::core {

// Where and how a model's forward passes run: encode_image and encode_text enter an AutocastScope.
struct ForwardPrecision {
  c10::DeviceType device_type = c10::DeviceType::CPU;
  Precision precision = Precision::fp32;
};

std::shared_ptr<Model> guard_model(std::shared_ptr<Model> impl, std::string label, ForwardPrecision forward = {});
std::shared_ptr<Attack> guard_attack(std::shared_ptr<Attack> impl, std::string label);
std::shared_ptr<Corruption> guard_corruption(std::shared_ptr<Corruption> impl, std::string label);
std::shared_ptr<Metric> guard_metric(std::shared_ptr<Metric> impl, std::string label);

}  // namespace roz::core
