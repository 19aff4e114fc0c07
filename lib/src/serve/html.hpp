// HTML building blocks of serve's pages. Every text that comes from data or the request goes
// through escape(); nothing here emits inline script or style (the CSP forbids both).
#pragma once

#include <string>
#include <string_view>

#include "serve/site_impl.hpp"

namespace asp::serve::html {

// & < > " ' as entities: safe in text and in quoted attributes.
std::string escape(std::string_view text);
void append_escaped(std::string& out, std::string_view text);

struct PageFrame {
    std::string title;
    std::string search_query;  // shown in the search box
    const User* user = nullptr;
    std::string csrf;          // for the log-out form (logged-in pages only)
};

// The frame of a page for this caller.
PageFrame page_frame(const RequestContext& c, std::string title, std::string q = "");
// "Sorry" and the message, with the status.
web::Response error_page(const RequestContext& c, int status, std::string_view message);

// The whole document around `main_html`.
std::string document(const PageFrame& frame, std::string_view main_html);

// What a logged-in reader's card shows besides the save form: the paper's tags (chips that
// link to the tag's library, each with a remove button), a form to tag it, and on
// recommendations a "not interested" button. Every form works without script.
struct CardExtras {
    const std::vector<std::string>* tags = nullptr;
    bool not_interested = false;
};

// One paper as an <article>. `csrf` empty: no save form (anonymous); `back`: where the
// no-script save form returns to.
void paper_card(std::string& out, const ListItem& item, bool has_thumb, bool saved,
                bool logged_in, std::string_view csrf, std::string_view back,
                const CardExtras* extras = nullptr);

// Links to the reader's tags (`base` + "tag=NAME"), the current one marked; `all_label` for
// `base` alone. Also the <datalist id="user-tags"> the cards' tag inputs suggest from.
void tag_picker(std::string& out, std::string_view base, const std::vector<TagInfo>& tags,
                std::string_view current, std::string_view all_label);

// "previous / next" links: `base` is the page's path and query without `page`.
void pager(std::string& out, std::string_view base, size_t offset, size_t per_page, size_t total);

// A row of filter links (e.g. the time filters), the current one marked.
void filter_links(std::string& out, std::string_view base_path,
                  const std::vector<std::pair<std::string, std::string>>& options,
                  std::string_view param, std::string_view current);

// "all versions / only v1" links; `base` is the page's URL without v1.
void v1_links(std::string& out, std::string_view base, bool only_v1);

// A short guide to the search syntax (a <details> block).
std::string search_help();

const std::string& stylesheet();
const std::string& script();

}  // namespace asp::serve::html
