#include "digest/digest_sources.hpp"

#include <asp/ml/recs.hpp>

namespace asp::digest {

UserSignals read_user_signals(UserStore& users, int64_t user_id) {
    UserSignals s;
    for (const auto& e : users.library(user_id)) s.excluded.insert(e.paper_id);
    for (const auto& f : users.feedback(user_id))
        if (f.value < 0) s.excluded.insert(f.paper_id);  // "not interested": never mailed
    for (auto& id : users.digest_seen(user_id)) s.excluded.insert(std::move(id));
    return s;
}

RankedList read_ranked_list(const DataDir& data_dir, UserStore& users, const DigestRecipient& user,
                            const std::string& tag) {
    RankedList list;
    std::optional<ml::Recommendations> recs;
    if (!tag.empty()) {
        if (auto info = users.find_tag(user.user_id, tag)) {
            recs = ml::read_tag_recommendations(data_dir.recs_dir(), user.user_id, info->id);
            list.tag_model = recs.has_value();
        }
    }
    if (!recs) recs = ml::read_recommendations(data_dir.recs_dir(), user.user_id);
    if (!recs) return list;
    for (const auto& p : recs->papers) list.scores.emplace(p.id, p.score);
    return list;
}

}  // namespace asp::digest
