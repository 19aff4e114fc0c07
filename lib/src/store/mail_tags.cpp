#include "store/mail_tags.hpp"

#include <nlohmann/json.hpp>

namespace asp {

std::string tags_to_json(const std::vector<std::string>& tags) {
    return nlohmann::json(tags).dump();
}

std::vector<std::string> tags_from_json(const std::string& json) {
    auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    std::vector<std::string> out;
    if (!parsed.is_array()) return out;
    for (const auto& t : parsed)
        if (t.is_string()) out.push_back(t.get<std::string>());
    return out;
}

}  // namespace asp
