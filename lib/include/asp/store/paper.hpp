// Paper: one arXiv record, as fetch stores it in papers.db and every later stage reads it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace asp {

struct PaperLink {
    std::string href;
    std::string rel;    // "alternate", "related"
    std::string type;   // "text/html", "application/pdf"
    std::string title;  // "pdf", "doi"
};

struct Paper {
    std::string id;  // raw id, no version
    int version = 1;
    std::string title;
    std::string abstract;
    std::vector<std::string> authors;
    std::vector<std::string> categories;  // primary first
    std::string primary_category;
    std::string published;  // ISO 8601 UTC, "2016-11-03T19:43:56Z"
    std::string updated;
    std::string comment;
    std::string journal_ref;
    std::string doi;
    std::vector<PaperLink> links;

    std::string versioned_id() const { return id + "v" + std::to_string(version); }
    bool operator==(const Paper&) const = default;
};

bool operator==(const PaperLink& a, const PaperLink& b);

void to_json(nlohmann::json& j, const PaperLink& l);
void from_json(const nlohmann::json& j, PaperLink& l);

}  // namespace asp
