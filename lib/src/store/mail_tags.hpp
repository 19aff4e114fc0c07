// The digest's tag list as both user stores keep it: a JSON array of strings in one column.
#pragma once

#include <string>
#include <vector>

namespace asp {

std::string tags_to_json(const std::vector<std::string>& tags);
// An unreadable value reads as no tags (the whole library), never as an error.
std::vector<std::string> tags_from_json(const std::string& json);

}  // namespace asp
