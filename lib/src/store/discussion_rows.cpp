#include "store/discussion_rows.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <unordered_map>

#include <asp/core/time.hpp>

namespace asp {

bool is_comment_tag(std::string_view tag) {
    return std::find(kCommentTags.begin(), kCommentTags.end(), tag) != kCommentTags.end();
}

void attach_comment_tags(std::vector<Comment>& comments, const std::vector<CommentTagRow>& rows,
                         int64_t viewer) {
    std::unordered_map<int64_t, size_t> at;
    for (size_t i = 0; i < comments.size(); ++i) at[comments[i].id] = i;
    std::map<int64_t, std::set<int64_t>> flaggers;
    for (const auto& row : rows) {
        auto it = at.find(row.comment_id);
        if (it == at.end()) continue;
        auto& c = comments[it->second];
        ++c.tags[row.tag];
        if (viewer != 0 && row.user_id == viewer) c.my_tags.push_back(row.tag);
        if (row.tag == "spam" || row.tag == "troll") flaggers[c.id].insert(row.user_id);
    }
    for (auto& c : comments) {
        std::sort(c.my_tags.begin(), c.my_tags.end(), [](const std::string& a, const std::string& b) {
            return std::find(kCommentTags.begin(), kCommentTags.end(), a) <
                   std::find(kCommentTags.begin(), kCommentTags.end(), b);
        });
        auto f = flaggers.find(c.id);
        c.flaggers = f == flaggers.end() ? 0 : static_cast<int64_t>(f->second.size());
    }
}

RateWindows rate_windows() {
    RateWindows w;
    w.now = static_cast<int64_t>(std::time(nullptr));
    w.minute_ago = format_iso8601(w.now - 60);
    w.day_ago = format_iso8601(w.now - 86400);
    return w;
}

int64_t seconds_until_free(std::string_view nth_newest, int64_t window, int64_t now) {
    auto t = parse_iso8601(nth_newest);
    if (!t) return window;
    return std::max<int64_t>(1, *t + window - now + 1);
}

std::string_view action_name(ModerationAction action) {
    switch (action) {
        case ModerationAction::Hide: return "hide";
        case ModerationAction::Unhide: return "unhide";
        case ModerationAction::Delete: return "delete";
    }
    return "?";
}

CommentState state_after(ModerationAction action) {
    switch (action) {
        case ModerationAction::Hide: return CommentState::Hidden;
        case ModerationAction::Unhide: return CommentState::Visible;
        case ModerationAction::Delete: return CommentState::Deleted;
    }
    return CommentState::Visible;
}

std::vector<FriendSave> group_saves(const std::vector<SaveRow>& rows) {
    std::vector<FriendSave> out;
    std::unordered_map<std::string, size_t> at;
    for (const auto& row : rows) {
        auto [it, fresh] = at.emplace(row.paper_id, out.size());
        if (fresh) out.push_back({row.paper_id, row.saved_at, {}});
        auto& by = out[it->second].saved_by;
        if (std::find(by.begin(), by.end(), row.username) == by.end()) by.push_back(row.username);
    }
    return out;
}

}  // namespace asp
