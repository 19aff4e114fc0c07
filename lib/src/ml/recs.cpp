#include <asp/ml/recs.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "ml/section_file.hpp"

namespace asp::ml {
namespace {

constexpr uint32_t kRecsKind = fourcc("RECS");
constexpr uint32_t kRecsUsersKind = fourcc("RUSR");

}  // namespace

std::filesystem::path recommendations_path(const std::filesystem::path& recs_dir,
                                           int64_t user_id) {
    return recs_dir / ("user-" + std::to_string(user_id) + ".bin");
}

std::filesystem::path tag_recommendations_path(const std::filesystem::path& recs_dir,
                                               int64_t user_id, int64_t tag_id) {
    return recs_dir / ("tag-" + std::to_string(user_id) + "-" + std::to_string(tag_id) + ".bin");
}

namespace {
std::optional<Recommendations> read_recs_file(const std::filesystem::path& path);
}  // namespace

std::optional<Recommendations> read_tag_recommendations(const std::filesystem::path& recs_dir,
                                                        int64_t user_id, int64_t tag_id) {
    return read_recs_file(tag_recommendations_path(recs_dir, user_id, tag_id));
}

void write_recommendations(const std::filesystem::path& recs_dir, const Recommendations& r) {
    StringTableBuilder ids;
    std::vector<float> scores;
    for (const auto& p : r.papers) {
        ids.add(p.id);
        scores.push_back(static_cast<float>(p.score));
    }
    const std::string meta = nlohmann::json{{"user_id", r.user_id},
                                            {"username", r.username},
                                            {"library_rev", r.library_rev},
                                            {"index_generation", r.index_generation},
                                            {"library_size", r.library_size},
                                            {"created_at", r.created_at},
                                            {"tag_id", r.tag_id},
                                            {"tag", r.tag},
                                            {"model_key", r.model_key}}
                                 .dump();
    SectionFileWriter w(kRecsKind);
    ids.add_to(w, "ids");
    w.add("score", scores);
    w.add("meta", meta);
    w.write(r.tag_id ? tag_recommendations_path(recs_dir, r.user_id, r.tag_id)
                     : recommendations_path(recs_dir, r.user_id));
}

std::optional<Recommendations> read_recommendations(const std::filesystem::path& recs_dir,
                                                    int64_t user_id) {
    return read_recs_file(recommendations_path(recs_dir, user_id));
}

namespace {
std::optional<Recommendations> read_recs_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    SectionFile f(path, kRecsKind);
    const StringTable ids(f, "ids");
    const auto scores = f.array<float>("score");
    if (scores.size() != ids.size()) f.bad("ids and scores differ in number");
    Recommendations r;
    try {
        const auto meta = nlohmann::json::parse(f.text("meta"));
        r.user_id = meta.at("user_id").get<int64_t>();
        r.username = meta.at("username").get<std::string>();
        r.library_rev = meta.at("library_rev").get<int64_t>();
        r.index_generation = meta.at("index_generation").get<uint64_t>();
        r.library_size = meta.value("library_size", size_t{0});
        r.created_at = meta.value("created_at", std::string());
        r.tag_id = meta.value("tag_id", int64_t{0});
        r.tag = meta.value("tag", std::string());
        r.model_key = meta.value("model_key", std::string());
    } catch (const nlohmann::json::exception& e) {
        f.bad(std::string("bad meta: ") + e.what());
    }
    r.papers.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) r.papers.push_back({std::string(ids[i]), scores[i]});
    return r;
}
}  // namespace

namespace {
// True when `path` holds exactly these (username, user id) pairs, sorted by name.
bool recommendation_users_equal(const std::filesystem::path& path,
                                const std::vector<std::pair<std::string, int64_t>>& sorted) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return false;
    try {
        SectionFile f(path, kRecsUsersKind);
        const StringTable names(f, "names");
        const auto ids = f.array<int64_t>("user_id");
        if (names.size() != sorted.size() || ids.size() != sorted.size()) return false;
        for (size_t i = 0; i < sorted.size(); ++i)
            if (names[i] != sorted[i].first || ids[i] != sorted[i].second) return false;
        return true;
    } catch (const std::exception&) {
        return false;  // unreadable: rewrite it
    }
}
}  // namespace

void write_recommendation_users(const std::filesystem::path& recs_dir,
                                const std::vector<std::pair<std::string, int64_t>>& users) {
    auto sorted = users;
    std::sort(sorted.begin(), sorted.end());
    StringTableBuilder names;
    std::vector<int64_t> ids;
    for (const auto& [name, id] : sorted) {
        names.add(name);
        ids.push_back(id);
    }
    // A rerun with the same users leaves the file (and its mtime) alone: "nothing new
    // changes no file".
    if (recommendation_users_equal(recs_dir / "users.bin", sorted)) return;
    SectionFileWriter w(kRecsUsersKind);
    names.add_to(w, "names");
    w.add("user_id", ids);
    w.write(recs_dir / "users.bin");
}

std::optional<Recommendations> read_recommendations_by_username(
    const std::filesystem::path& recs_dir, std::string_view username) {
    const auto path = recs_dir / "users.bin";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    SectionFile f(path, kRecsUsersKind);
    const StringTable names(f, "names");
    const auto ids = f.array<int64_t>("user_id");
    if (ids.size() != names.size()) f.bad("names and ids differ in number");
    size_t lo = 0, hi = names.size();
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (names[mid] < username)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == names.size() || names[lo] != username) return std::nullopt;
    return read_recommendations(recs_dir, ids[lo]);
}

}  // namespace asp::ml
