// E-mail messages: address checks and the RFC 5322 / MIME text of a message, built so that
// nothing a user or the arXiv feed supplies can add a header line. A header value that holds
// CR or LF (or any other control character) is refused, never folded or passed on; non-ASCII
// subjects and display names are RFC 2047 encoded words; bodies are base64 (UTF-8), so no line
// of theirs can end the message or start a header.
//
// Pure functions, no I/O; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asp::mail {

// A deliverable address as the site accepts it: "local@domain", ASCII, 3..254 characters,
// local part <= 64 characters of letters, digits and !#$%&'*+-/=?^_`{|}~. (dot-separated, no
// quoted forms), domain of dot-separated labels (letters, digits, '-', not at either end of a
// label) with at least one dot. No spaces, no control characters, no angle brackets.
bool valid_address(std::string_view address);

// The address lower-cased in its domain (the local part is kept as typed).
std::string normalize_address(std::string_view address);

struct Message {
    std::string from;          // a valid address
    std::string from_name;     // display name (may be non-ASCII; no control characters)
    std::string to;            // a valid address
    std::string subject;       // UTF-8; no control characters
    std::string text;          // text/plain body (UTF-8)
    std::string html;          // text/html body (UTF-8); empty: a single text/plain part
    // Further headers (name, value), e.g. List-Unsubscribe; names are [A-Za-z0-9-]+, values
    // ASCII without control characters.
    std::vector<std::pair<std::string, std::string>> headers;
};

struct RenderOptions {
    int64_t date = 0;               // unix seconds for the Date header
    std::string message_id;         // "<...@...>"; empty: made from random bytes + from's domain
    std::string boundary;           // empty: random
};

// The message text with CRLF line ends, ready for SMTP DATA (without dot-stuffing: the SMTP
// client does it). nullopt with `why` set when a field is invalid (a bad address, a control
// character in a header value, a bad header name).
std::optional<std::string> render(const Message& message, const RenderOptions& options,
                                  std::string* why = nullptr);

// True when `value` may stand in a header: no byte below 0x20 but TAB, no DEL.
bool safe_header_text(std::string_view value);

// RFC 2047 "=?UTF-8?B?...?=" words when `text` is not plain printable ASCII, else `text`.
std::string encode_header_words(std::string_view text);

// "Tue, 02 Dec 2025 06:00:00 <zone>" (RFC 5322's Date; with zone "GMT", HTTP's IMF-fixdate
// and RSS's pubDate), in UTC.
std::string format_rfc1123_date(int64_t unix_seconds, std::string_view zone = "+0000");

// `bytes` random bytes (libsodium) as lower-case hex: nonces and the unguessable tokens of
// links sent by mail (verification, unsubscribe, private feeds).
std::string random_hex_token(size_t bytes);

}  // namespace asp::mail
