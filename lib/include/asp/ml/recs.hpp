// Recommendations: what `buildsvm` writes to <data-dir>/recs/ (one file per user, layout in
// docs/formats/index.md), and how serve and `buildsvm --recs` read them.
//
//   auto r = asp::ml::read_recommendations(data_dir.recs_dir(), user.id);
//   if (r) for (auto& p : r->papers) ...   // best first, at most 1000, library papers included
//   read_tag_recommendations(recs_dir, user.id, tag.id)  // one tag's (its own papers left out)
//
// A missing file (a user with an empty library, or buildsvm has not run yet) is nullopt; a
// damaged file throws std::runtime_error naming it. Files are replaced atomically, so a read
// never sees a half-written list. Reading costs one small file (<= ~40 KB); cache by
// `index_generation`/`library_rev` if it matters.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asp/ml/index_reader.hpp>

namespace asp::ml {

struct Recommendations {
    int64_t user_id = 0;
    std::string username;
    int64_t library_rev = 0;        // the library revision the SVM was trained on
    uint64_t index_generation = 0;  // the index generation it was trained on
    size_t library_size = 0;        // positives in the index
    std::string created_at;         // ISO 8601 UTC
    int64_t tag_id = 0;             // 0: the whole library; else one tag's list
    std::string tag;                // the tag's name when trained
    std::string model_key;          // asp/ml/svm_rank.hpp model_key of the inputs ("" in old files)
    std::vector<ScoredPaper> papers;  // best first; score = SVM decision value
};

std::optional<Recommendations> read_recommendations(const std::filesystem::path& recs_dir,
                                                    int64_t user_id);
std::optional<Recommendations> read_recommendations_by_username(
    const std::filesystem::path& recs_dir, std::string_view username);

// One tag's list (recs/tag-<user id>-<tag id>.bin); nullopt when there is none.
std::optional<Recommendations> read_tag_recommendations(const std::filesystem::path& recs_dir,
                                                        int64_t user_id, int64_t tag_id);

// The file of one user's recommendations.
std::filesystem::path recommendations_path(const std::filesystem::path& recs_dir,
                                           int64_t user_id);
std::filesystem::path tag_recommendations_path(const std::filesystem::path& recs_dir,
                                               int64_t user_id, int64_t tag_id);

// Writes one user's file (or, with tag_id != 0, one tag's) atomically (buildsvm).
void write_recommendations(const std::filesystem::path& recs_dir, const Recommendations& r);
// Writes recs/users.bin (username -> user id) atomically.
void write_recommendation_users(const std::filesystem::path& recs_dir,
                                const std::vector<std::pair<std::string, int64_t>>& users);

}  // namespace asp::ml
