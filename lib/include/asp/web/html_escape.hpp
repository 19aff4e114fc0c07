// HTML/XML text escaping, the one place for it: serve's pages and feeds and the digest's
// HTML mail all pass data through here. & < > " ' become entities, which is safe in element
// text and in quoted attribute values of HTML and XML alike. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace asp::web {

std::string escape_html(std::string_view text);
void append_escaped_html(std::string& out, std::string_view text);

}  // namespace asp::web
