// S3Config from the AWS environment variables (client.hpp).
#include <asp/s3/client.hpp>

#include <algorithm>
#include <string>

namespace asp::s3 {

S3Config S3Config::from_env(const EnvLookup& env) {
    S3Config c;
    c.region = region_from_env(env);
    if (auto e = env("AWS_ENDPOINT_URL_S3"); e && !e->empty()) c.endpoint = *e;
    else if (auto e2 = env("AWS_ENDPOINT_URL"); e2 && !e2->empty()) c.endpoint = *e2;
    if (auto a = env("AWS_S3_ADDRESSING_STYLE")) {
        if (*a == "path") c.addressing = Addressing::Path;
        else if (*a == "virtual") c.addressing = Addressing::VirtualHosted;
    }
    if (auto m = env("AWS_MAX_ATTEMPTS")) {
        try {
            c.max_attempts = std::max(1, std::stoi(*m));
        } catch (const std::exception&) {
        }
    }
    if (auto p = env("ASP_S3_LIST_PAGE_SIZE")) {
        try {
            c.list_page_size = std::clamp(std::stoi(*p), 1, 1000);
        } catch (const std::exception&) {
        }
    }
    return c;
}

}  // namespace asp::s3
