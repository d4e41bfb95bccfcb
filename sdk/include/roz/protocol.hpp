// The names host and plugins agree on: condition kinds, dataset roles, the attribute keys of a
// condition (ConditionInfo::attributes), the parameters the host sets on plugins, and the standard
// metric names. Header-only constants; compare with them, never with a bare string, so a typo is a
// compile error and `grep protocol::` finds every use.
//
//   if (c.kind == roz::protocol::kind::clean && roz::metrics::has_role(c, roz::protocol::role::ood)) ...
//   info.attributes[roz::protocol::attribute::corruption] = name;
#pragma once

namespace roz::protocol {

// ConditionInfo::kind: what was done to the dataset's images (or prompts) in this condition.
namespace kind {
inline constexpr char clean[] = "clean";              // the images as they are
inline constexpr char corruption[] = "corruption";    // a corruption plugin applied per image
inline constexpr char attack[] = "attack";            // an image attack
inline constexpr char text_attack[] = "text_attack";  // the class prompts attacked (and maybe the images)
inline constexpr char summary[] = "summary";          // a metric's own row over several conditions
}  // namespace kind

// attribute::role: what a dataset is to the run.
namespace role {
inline constexpr char in_distribution[] = "in_distribution";  // the reference (clean accuracy, calibration fit)
inline constexpr char shift[] = "shift";                      // a distribution shift of it (effective robustness)
inline constexpr char ood[] = "ood";                          // out-of-distribution (OOD detection)
}  // namespace role

// Keys of ConditionInfo::attributes the host sets where they apply (metrics group by them).
namespace attribute {
inline constexpr char role[] = "role";                // one of protocol::role
inline constexpr char corruption[] = "corruption";    // the corruption plugin's name
inline constexpr char severity[] = "severity";        // its ImageNet-C level, 1-5
inline constexpr char attack[] = "attack";            // the attack plugin's name
inline constexpr char eps[] = "eps";                  // its budget, [0,1] pixel units
inline constexpr char logit_scale[] = "logit_scale";  // the zero-shot head's: logits = logit_scale * cosine
inline constexpr char head[] = "head";                // how the logits were made: one of protocol::head
inline constexpr char perturbation_group[] = "perturbation_group";  // compared per sample (embedding stability)
inline constexpr char label[] = "label";                            // the condition as the run config wrote it
inline constexpr char baseline[] = "baseline";                      // a summary row's baseline (corruption error)
// The dataset whose classes the logits are over when it is not the condition's own: an OOD set is
// scored with its in-distribution dataset's head, and its records have no label (label -1, no
// accepted labels; roz::metrics::unlabelled).
inline constexpr char label_space[] = "label_space";
// How the model's input was made, e.g. "resize 224 bicubic, crop 224" (roz/preprocessing.hpp).
inline constexpr char preprocessing[] = "preprocessing";
// On a shift dataset's conditions: the in_distribution dataset it is a shift of (effective robustness
// takes that dataset's accuracy as its x) and, when its classes are a subset of that dataset's, the
// in-distribution head column of each of its classes, comma-separated ("3,17,...": imagenet-testbed
// restricts in-distribution accuracy to a shift's classes).
inline constexpr char in_distribution[] = "in_distribution";
inline constexpr char id_classes[] = "id_classes";
// The group of each head class where several count as one label (ObjectNet's ImageNet classes per
// ObjectNet class, the video sets'), comma-separated; absent when every class is its own.
inline constexpr char class_groups[] = "class_groups";
// On a corruption condition: what the corruption was applied to when not the model's input.
// "imagenet_c": ImageNet-C's own input (Resize 256 + CenterCrop 224, bilinear, as hendrycks/robustness
// made ImageNet-C), corrupted, then the model's resize; the AlexNet-normalised CE needs it.
inline constexpr char corruption_input[] = "corruption_input";
}  // namespace attribute

// attribute::corruption_input: what a corruption was applied to, when not the model's input.
namespace corruption_input {
inline constexpr char imagenet_c[] = "imagenet_c";  // Resize 256 + CenterCrop 224 (bilinear), as ImageNet-C
}  // namespace corruption_input

// attribute::head: what scores the images.
namespace head {
inline constexpr char prompts[] = "prompts";                // zero-shot: the class prompts' ensemble (logit_scale set)
inline constexpr char support_images[] = "support_images";  // zero-shot: prototypes of support images (logit_scale set)
inline constexpr char label_set[] = "label_set";            // an image classifier's logits of the dataset's classes
}  // namespace head

// Parameters the host sets on plugins that declare them.
namespace parameter {
inline constexpr char severity[] = "severity";  // corruptions: the run config's `severities` expand into it
inline constexpr char eps[] = "eps";            // attacks: min_eps and the attack sanity checks vary it
}  // namespace parameter

// Metric value names the host reads for its headlines, charts and sanity checks.
namespace metric {
inline constexpr char top1[] = "top1";  // accuracy (Unit::fraction)
inline constexpr char top5[] = "top5";
inline constexpr char robust_accuracy[] = "robust_accuracy";  // attack_success
inline constexpr char attack_success_rate[] = "attack_success_rate";
inline constexpr char median_min_eps[] = "median_min_eps";  // attack_success on min_eps conditions
inline constexpr char typographic_success_rate[] = "typographic_success_rate";
inline constexpr char ece[] = "ece";  // calibration (Unit::fraction)
inline constexpr char nll[] = "nll";  // calibration (Unit::nats)
inline constexpr char samples[] = "samples";
}  // namespace metric

}  // namespace roz::protocol
