// Private to serve: what the discussions' API and pages share (site_discuss.cpp,
// site_discuss_pages.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <asp/store/discussion_store.hpp>
#include <asp/web/http.hpp>

namespace asp::serve {

// A comment is folded once this many readers tagged it "spam" or "troll".
inline constexpr int64_t kFoldFlaggers = 3;
// The author shown for a deleted account's comments (no username can be this).
inline constexpr std::string_view kDeletedAuthor = "[deleted]";

bool folded(const Comment& c);

// "<cid>" or "<cid>/<action...>" of a path rest; id nullopt when it does not start with one.
struct CommentPath {
    std::optional<int64_t> id;
    std::string action;
};
CommentPath parse_comment_path(std::string_view rest);
std::optional<int64_t> comment_id_from(std::string_view text);

// The API's JSON of one comment ("hidden" only for admins).
std::string comment_json(const Comment& c, bool admin);

}  // namespace asp::serve
