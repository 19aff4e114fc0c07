// Where a digest's inputs come from: the user's signals in the user store (saved papers,
// "not interested" marks, papers already sent) and the ranked lists buildsvm wrote to recs/.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include <asp/core/data_dir.hpp>
#include <asp/store/user_store.hpp>

namespace asp::digest {

struct UserSignals {
    std::unordered_set<std::string> excluded;  // saved, not interested, already in a digest
};

struct RankedList {
    std::unordered_map<std::string, double> scores;  // paper id -> SVM decision value
    bool tag_model = false;                          // the tag's own list
};

UserSignals read_user_signals(UserStore& users, int64_t user_id);

// The list that ranks `tag` (empty: the whole library): the tag's own list when buildsvm wrote
// one, else the library's; empty when the user has no recommendations yet.
RankedList read_ranked_list(const DataDir& data_dir, UserStore& users, const DigestRecipient& user,
                            const std::string& tag);

}  // namespace asp::digest
