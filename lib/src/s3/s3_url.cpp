// S3Url: "s3://BUCKET/PREFIX" parsed and checked (client.hpp).
#include <asp/s3/client.hpp>

namespace asp::s3 {

Result<S3Url> parse_s3_url(std::string_view url) {
    if (!url.starts_with("s3://"))
        return fail(ErrorCode::invalid_argument, "not an s3:// URL: " + std::string(url));
    url.remove_prefix(5);
    auto slash = url.find('/');
    S3Url out;
    out.bucket = std::string(url.substr(0, slash));
    if (slash != std::string_view::npos) {
        auto prefix = url.substr(slash + 1);
        while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
        while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
        out.prefix = std::string(prefix);
    }
    if (out.bucket.size() < 3 || out.bucket.size() > 63)
        return fail(ErrorCode::invalid_argument,
                    "bad bucket name in s3://" + std::string(url) + " (3 to 63 characters)");
    for (char c : out.bucket)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return fail(ErrorCode::invalid_argument, "bad bucket name in s3://" + std::string(url) +
                        " (lower-case letters, digits, '-' and '.')");
    return out;
}

}  // namespace asp::s3
