#include <asp/store/paper.hpp>

#include <nlohmann/json.hpp>

namespace asp {

bool operator==(const PaperLink& a, const PaperLink& b) {
    return a.href == b.href && a.rel == b.rel && a.type == b.type && a.title == b.title;
}

void to_json(nlohmann::json& j, const PaperLink& l) {
    j = nlohmann::json{{"href", l.href}, {"rel", l.rel}};
    if (!l.type.empty()) j["type"] = l.type;
    if (!l.title.empty()) j["title"] = l.title;
}

void from_json(const nlohmann::json& j, PaperLink& l) {
    l.href = j.value("href", "");
    l.rel = j.value("rel", "");
    l.type = j.value("type", "");
    l.title = j.value("title", "");
}

}  // namespace asp
