// The one class-matching rule of image classifiers and of effective robustness's restricted ID accuracy.
#include <gtest/gtest.h>

#include "roz/core/class_match.hpp"

namespace roz::core {
namespace {

const std::vector<std::string> kFile = {"cat", "missile", "dog", "missile", "fox"};  // a class file with twins
const std::vector<std::string> kNone;
const std::vector<std::int64_t> kNoPositions;

TEST(ClassMatch, TwinsAreToldApartByTheirPositionInTheSharedClassFile) {
  const std::vector<std::string> shift = {"missile", "fox"};
  const std::vector<std::int64_t> at = {3, 4};
  // Against the file itself (an image classifier's label set).
  EXPECT_EQ(match_classes({shift, kFile, at}, {kFile, kNone, kNoPositions}).columns, (std::vector<std::int64_t>{3, 4}));
  // Against another subset of the same file (an in-distribution dataset of three of its classes).
  const std::vector<std::string> id = {"cat", "missile", "missile", "fox"};
  const std::vector<std::int64_t> id_at = {0, 1, 3, 4};
  EXPECT_EQ(match_classes({shift, kFile, at}, {id, kFile, id_at}).columns, (std::vector<std::int64_t>{2, 3}));
}

TEST(ClassMatch, ByNameATwinIsAmbiguousAndAnAbsentClassMissing) {
  const std::vector<std::string> shift = {"missile", "wolf", "dog"};
  const ClassMatch m = match_classes({shift, kNone, kNoPositions}, {kFile, kNone, kNoPositions});
  EXPECT_FALSE(m.complete());
  EXPECT_EQ(m.ambiguous, "missile");
  EXPECT_EQ(m.ambiguous_first, 1);
  EXPECT_EQ(m.ambiguous_second, 3);
  EXPECT_EQ(m.missing, (std::vector<std::string>{"wolf"}));
  EXPECT_EQ(match_classes({{"fox", "cat"}, kNone, kNoPositions}, {kFile, kNone, kNoPositions}).columns,
            (std::vector<std::int64_t>{4, 0}));
}

TEST(ClassMatch, EqualListsAreTheirOwnColumnsTwinsIncluded) {
  EXPECT_EQ(match_classes({kFile, kNone, kNoPositions}, {kFile, kNone, kNoPositions}).columns,
            (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace roz::core
