#include "image_edits_library.hpp"

namespace {

std::vector<roz::PluginDescriptor> describe_all() {
  return {roz::builtin::describe_compose(), roz::builtin::describe_crop(), roz::builtin::describe_resize(),
          roz::builtin::describe_rotation(), roz::builtin::describe_typographic()};
}

}  // namespace

ROZ_PLUGINS(describe_all)
