#include <gtest/gtest.h>

#include "roz/core/param_validation.hpp"
#include "roz/error.hpp"

namespace roz {
namespace {

PluginDescriptor schema() {
  PluginDescriptor d;
  d.name = "probe";
  d.kind = PluginKind::attack;
  d.params = {param::real("eps", 8.0 / 255, 0.0, 1.0, "budget"),
              param::integer("steps", 10, 1, 1000, "iterations"),
              param::choice("norm", "linf", {"linf", "l2"}, "threat model"),
              param::boolean("targeted", false, "targeted attack"),
              param::real_list("scales", {0.5, 1.0}, "scales"),
              param::optional(param::integer("quality", 0, 1, 100, "optional override")),
              param::spec("source", "nested model spec"),
              param::spec_list("steps_list", "nested specs")};
  return d;
}

Params resolve(const std::string& text) { return core::resolve_params(schema(), parse_spec(text)); }

std::string params_error(const std::string& text) {
  try {
    resolve(text);
  } catch (const ParamError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Params, DefaultsFillUnsetKeys) {
  Params p = resolve("probe");
  EXPECT_DOUBLE_EQ(p.get_real("eps"), 8.0 / 255);
  EXPECT_EQ(p.get_int("steps"), 10);
  EXPECT_EQ(p.get_string("norm"), "linf");
  EXPECT_FALSE(p.get_bool("targeted"));
  EXPECT_EQ(p.get_reals("scales"), (std::vector<double>{0.5, 1.0}));
  EXPECT_FALSE(p.has("quality"));
  EXPECT_FALSE(p.has("source"));
}

TEST(Params, TypesGivenValues) {
  Params p = resolve("probe:eps=4/255,steps=1e2,norm=l2,targeted=yes,scales=[0.25,0.75],quality=30,"
                     "source=(torchscript:path=a.pt),steps_list=(a:x=1;b:y=2)");
  EXPECT_DOUBLE_EQ(p.get_real("eps"), 4.0 / 255);
  EXPECT_EQ(p.get_int("steps"), 100);
  EXPECT_EQ(p.get_string("norm"), "l2");
  EXPECT_TRUE(p.get_bool("targeted"));
  EXPECT_EQ(p.get_reals("scales"), (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(p.get_int("quality"), 30);
  EXPECT_EQ(p.get_spec("source").name, "torchscript");
  EXPECT_EQ(p.get_specs("steps_list").size(), 2u);
  // The resolved spec records every value, so results can be reproduced from it.
  EXPECT_EQ(p.to_spec_string(),
            "probe:eps=0.01568627450980392,steps=100,norm=l2,targeted=true,scales=[0.25,0.75],quality=30,"
            "source=(torchscript:path=a.pt),steps_list=(a:x=1;b:y=2)");
}

TEST(Params, ScalarIsAOneElementList) { EXPECT_EQ(resolve("probe:scales=2").get_reals("scales"), std::vector<double>{2}); }

TEST(Params, ClearErrors) {
  EXPECT_EQ(params_error("probe:epsilon=0.1"),
            "attack plugin 'probe': unknown parameter 'epsilon' (known: eps, steps, norm, targeted, scales, quality, "
            "source, steps_list)");
  EXPECT_EQ(params_error("probe:eps=2"), "attack plugin 'probe': parameter 'eps': 2 is out of range [0, 1]");
  EXPECT_EQ(params_error("probe:steps=0"), "attack plugin 'probe': parameter 'steps': 0 is out of range [1, 1000]");
  EXPECT_EQ(params_error("probe:steps=2.5"), "attack plugin 'probe': parameter 'steps': '2.5' is not an integer");
  EXPECT_EQ(params_error("probe:eps=big"), "attack plugin 'probe': parameter 'eps': 'big' is not a number");
  EXPECT_EQ(params_error("probe:norm=l1"), "attack plugin 'probe': parameter 'norm': 'l1' is not one of: linf, l2");
  EXPECT_EQ(params_error("probe:targeted=2"), "attack plugin 'probe': parameter 'targeted': '2' is not a boolean (true/false)");
  EXPECT_EQ(params_error("probe:eps=[1,2]"), "attack plugin 'probe': parameter 'eps': expected a single float value");
  EXPECT_EQ(params_error("probe:scales=[0.5,x]"), "attack plugin 'probe': parameter 'scales': 'x' is not a number");
}

TEST(Params, RequiredParameterMissing) {
  PluginDescriptor d;
  d.name = "needs_path";
  d.kind = PluginKind::model;
  d.params = {param::required(param::string("path", "", "file"))};
  EXPECT_THROW(core::resolve_params(d, parse_spec("needs_path")), ParamError);
  EXPECT_EQ(core::resolve_params(d, parse_spec("needs_path:path=m.pt")).get_string("path"), "m.pt");
}

TEST(Params, SchemaWithBadDefaultIsRejected) {
  PluginDescriptor d;
  d.name = "bad";
  d.params = {param::real("eps", 2.0, 0.0, 1.0, "default out of range")};
  EXPECT_THROW(core::check_schema(d), ParamError);
  d.params = {param::real("a", 0.1, 0, 1, ""), param::real("a", 0.2, 0, 1, "")};
  EXPECT_THROW(core::check_schema(d), ParamError);
  EXPECT_NO_THROW(core::check_schema(schema()));
}

}  // namespace
}  // namespace roz
