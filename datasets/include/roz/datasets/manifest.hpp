// Dataset manifests: a YAML file per dataset naming its reader, files, class names, prompt
// templates and label map, so a new dataset (or class subset) needs no recompiling.
//
//   name: imagenet-r
//   reader: image_folder                        # image_folder | idx | cifar_binary | file_list | json_labels
//   root: ${IMAGENET_R_ROOT:-/data/imagenet-r}  # relative paths resolve against the manifest's folder
//   classes: {file: ../imagenet/imagenet_classes.txt, subset: imagenet_r_indices.txt}
//   class_keys: {file: imagenet_r_wnids.txt}     # raw class (folder) of each head class, in order
//   templates: {file: ../imagenet/imagenet_templates.txt}
//
// class_keys: absent (folders in sorted order / stored label numbers are the classes), `index` (raw
// classes are head class numbers, e.g. ImageNet-V2's folders), {file: F[, subset: S]} (line i is the
// raw class of head class i), or {json: F[, key: K]} (raw class -> list of head classes that count as
// correct, e.g. ObjectNet -> ImageNet; K selects a nested object; `head: mapped` keeps only the classes
// some raw class maps to, imagenet-testbed's class_sublist). A multi-label sample counts its labels'
// classes together. Samples whose raw class is not mapped are not evaluated.
// border_crop: N cuts N pixels from every side of every image before the model's resize (ObjectNet).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "roz/datasets/dataset.hpp"

namespace roz::datasets {

// Opens a manifest file. Errors name the manifest and the key.
std::unique_ptr<Dataset> open_manifest(const std::filesystem::path& manifest);

// A dataset by directory (ImageFolder), manifest file (.yaml/.yml), or manifest name looked up in
// `manifest_dirs` (NAME.yaml), e.g. "fashion-mnist".
std::unique_ptr<Dataset> open_dataset(const std::string& what, const std::vector<std::filesystem::path>& manifest_dirs);

}  // namespace roz::datasets
