#include <gtest/gtest.h>

#include "roz/error.hpp"
#include "roz/spec.hpp"

namespace roz {
namespace {

TEST(Spec, ParsesNameAndScalars) {
  Spec s = parse_spec("pgd:eps=4/255,steps=10,norm=linf");
  EXPECT_EQ(s.name, "pgd");
  ASSERT_EQ(s.params.size(), 3u);
  EXPECT_EQ(s.params[0].first, "eps");
  EXPECT_EQ(s.params[0].second.text, "4/255");
  EXPECT_EQ(s.find("steps")->text, "10");
  EXPECT_EQ(s.find("norm")->text, "linf");
  EXPECT_EQ(s.find("missing"), nullptr);
}

TEST(Spec, NameAlone) {
  Spec s = parse_spec("  accuracy ");
  EXPECT_EQ(s.name, "accuracy");
  EXPECT_TRUE(s.params.empty());
}

TEST(Spec, NestedSpecs) {
  Spec s = parse_spec("transfer:source=(torchscript:path=a.pt),attack=(pgd:eps=4/255,steps=5)");
  const SpecValue* source = s.find("source");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->kind, SpecValue::Kind::spec);
  EXPECT_EQ(source->specs.at(0).name, "torchscript");
  EXPECT_EQ(source->specs.at(0).find("path")->text, "a.pt");
  const SpecValue* attack = s.find("attack");
  EXPECT_EQ(attack->specs.at(0).find("steps")->text, "5");
}

TEST(Spec, SpecListsWithSemicolons) {
  Spec s = parse_spec("compose:steps=(jpeg_compression:quality=30;brightness:factor=1.2)");
  const SpecValue* steps = s.find("steps");
  ASSERT_EQ(steps->kind, SpecValue::Kind::spec_list);
  ASSERT_EQ(steps->specs.size(), 2u);
  EXPECT_EQ(steps->specs[1].name, "brightness");
  EXPECT_EQ(steps->specs[1].find("factor")->text, "1.2");
}

TEST(Spec, ListsAndQuotedStrings) {
  Spec s = parse_spec(R"(torchscript:mean=[0.5, 0.25,1e-1],path="dir,with,commas/m.pt")");
  const SpecValue* mean = s.find("mean");
  ASSERT_EQ(mean->kind, SpecValue::Kind::list);
  EXPECT_EQ(mean->items, (std::vector<std::string>{"0.5", "0.25", "1e-1"}));
  EXPECT_EQ(s.find("path")->text, "dir,with,commas/m.pt");
}

TEST(Spec, RoundTripsThroughToString) {
  for (const char* text : {"pgd:eps=4/255,steps=10", "compose:steps=(a:x=1;b:y=[1,2])", "m:path=\"a b,c\"",
                           "transfer:source=(torchscript:path=a.pt),attack=(fgsm:eps=0.1)"}) {
    Spec once = parse_spec(text);
    Spec twice = parse_spec(once.to_string());
    EXPECT_EQ(once.to_string(), twice.to_string()) << text;
  }
}

void expect_error(const char* text, const std::string& fragment) {
  try {
    parse_spec(text);
    FAIL() << "no error for " << text;
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Spec, ErrorsPointAtTheKey) {
  expect_error("pgd:eps=,steps=10", "key 'eps': empty value");
  expect_error("pgd:eps=1,eps=2", "key 'eps': given twice");
  expect_error("pgd:steps", "key 'steps': expected '='");
  expect_error("t:source=(torchscript:path=a.pt", "key 'source': expected ')'");
  expect_error("m:mean=[1,2", "key 'mean'");
  expect_error("m:path=\"abc", "unterminated");
  expect_error(":x=1", "expected a plugin name");
  expect_error("pgd:eps=1)", "unexpected ')'");
}

// A hostile spec nested 40,000 deep crashed the parser with a stack overflow; the bound is 32 levels.
TEST(Spec, NestingIsBounded) {
  auto nested = [](int levels) {
    std::string text;
    for (int i = 0; i < levels; ++i) text += "compose:steps=(";
    text += "fog";
    return text + std::string(static_cast<size_t>(levels), ')');
  };
  Spec deep = parse_spec(nested(32));
  int levels = 0;
  for (const Spec* s = &deep; !s->params.empty(); s = &s->params.front().second.specs.front()) ++levels;
  EXPECT_EQ(levels, 32);
  expect_error(nested(33).c_str(), "key 'steps': specs nested deeper than 32 levels");
  try {
    parse_spec(nested(40000));
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_LT(std::string(e.what()).size(), 400u) << "the message quotes all of a 600 kB spec";
  }
}

TEST(Numbers, FractionsIntegersBooleans) {
  double d = 0;
  EXPECT_TRUE(parse_number("4/255", d));
  EXPECT_DOUBLE_EQ(d, 4.0 / 255.0);
  EXPECT_TRUE(parse_number("-1.5e-3", d));
  EXPECT_DOUBLE_EQ(d, -1.5e-3);
  EXPECT_FALSE(parse_number("4/0", d));
  EXPECT_FALSE(parse_number("4/x", d));
  EXPECT_FALSE(parse_number("abc", d));
  EXPECT_FALSE(parse_number("nan", d));
  long long i = 0;
  EXPECT_TRUE(parse_integer("+42", i));
  EXPECT_EQ(i, 42);
  EXPECT_FALSE(parse_integer("4.5", i));
  bool b = false;
  EXPECT_TRUE(parse_bool("Yes", b));
  EXPECT_TRUE(b);
  EXPECT_TRUE(parse_bool("off", b));
  EXPECT_FALSE(b);
  EXPECT_FALSE(parse_bool("maybe", b));
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(4.0 / 255.0), "0.01568627450980392");
}

}  // namespace
}  // namespace roz
