// Proxies that forward to a plugin object through guard_call, so the rest of the host can use
// plugins as ordinary interface objects.
#pragma once

#include <memory>
#include <string>

namespace roz {
class Model;
class Attack;
class Corruption;
class Metric;
}  // namespace roz

namespace roz::core {

std::shared_ptr<Model> guard_model(std::shared_ptr<Model> impl, std::string label);
std::shared_ptr<Attack> guard_attack(std::shared_ptr<Attack> impl, std::string label);
std::shared_ptr<Corruption> guard_corruption(std::shared_ptr<Corruption> impl, std::string label);
std::shared_ptr<Metric> guard_metric(std::shared_ptr<Metric> impl, std::string label);

}  // namespace roz::core
