// Where sync finds AWS credentials, in the AWS CLI's order:
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN),
//   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials),
//      profile AWS_PROFILE (else "default"),
//   3. on EC2, the instance role through IMDSv2: PUT /latest/api/token, then
//      GET .../iam/security-credentials/ (the role name), then .../<role> (temporary keys with
//      an Expiration, refreshed 5 minutes before it). Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT
//      (default http://169.254.169.254); AWS_EC2_METADATA_DISABLED=true skips it.
// Also where the region comes from (AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1).
//
// Finding no credentials at all is an expected failure (a Result with the places looked at);
// the provider never throws for it.
//
// Thread-safety: a provider serves one thread at a time (the chain settles on its source
// lazily, without a lock).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <asp/core/clock.hpp>
#include <asp/core/result.hpp>
#include <asp/s3/sigv4.hpp>

namespace asp {
class HttpClient;
}

namespace asp::s3 {

// Reads an environment variable; tests pass their own map instead of the process's.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_env();

class CredentialsProvider {
public:
    virtual ~CredentialsProvider() = default;
    // Current credentials (fetching or refreshing them when needed).
    virtual Result<Credentials> get() = 0;
    // Where the last good credentials came from ("environment", "shared credentials file
    // /root/.aws/credentials [default]", "instance role NAME"), for the verbose log.
    virtual std::string source() const = 0;
};

// The chain above. `http` is used for IMDSv2 only, `clock` to tell when the instance role's
// keys expire; both must outlive the provider.
std::unique_ptr<CredentialsProvider> make_default_credentials_provider(
    HttpClient& http, EnvLookup env, Clock& clock = system_clock());

// Fixed credentials (tests, or keys given by a caller).
std::unique_ptr<CredentialsProvider> make_static_credentials_provider(Credentials credentials);

// The [profile] section of an AWS shared credentials file's text; nullopt when the profile or
// its keys are missing.
std::optional<Credentials> parse_shared_credentials(std::string_view text, std::string_view profile);

std::string region_from_env(const EnvLookup& env);

}  // namespace asp::s3
