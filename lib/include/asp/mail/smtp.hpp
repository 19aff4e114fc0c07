// MailSender: the one door to an SMTP server, so the digest tool and serve's verification
// mails can be tested against a scripted fake. SmtpSender is the real one (libcurl's SMTP):
// smtp:// upgrades with STARTTLS whenever the server offers it, smtps:// is TLS from the first
// byte; AUTH when a user name is configured. One message, one recipient per send().
//
// send() never throws for server or network trouble; the outcome tells the caller what to do:
//   Sent        accepted by the server (2xx after DATA)
//   Transient   a 4xx answer (greylisting, mailbox busy, 421): try again on a later run
//   Permanent   a 5xx answer for this message/recipient (550 no such user): count against
//               the address
//   Unavailable the server cannot be used at all (no connection, TLS failure, AUTH refused):
//               stop sending, nothing is counted against anyone
// Not thread-safe: one sender per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace asp::mail {

struct SmtpConfig {
    std::string url;        // smtp://host[:port] or smtps://host[:port]
    std::string username;   // empty: no AUTH
    std::string password;
    std::string ca_file;    // extra CA bundle to trust (a private relay, tests); empty: system
    std::chrono::seconds timeout{60};
};

enum class SendOutcome { Sent, Transient, Permanent, Unavailable };

struct SendResult {
    SendOutcome outcome = SendOutcome::Unavailable;
    long code = 0;          // the server's last reply code (0 when none)
    std::string detail;     // a short reason for logs
};

class MailSender {
public:
    virtual ~MailSender() = default;
    // `data`: the rendered message (mail::render).
    virtual SendResult send(std::string_view from, std::string_view to, std::string_view data) = 0;
};

// True for "smtp://host[:port]" and "smtps://host[:port]" (an optional trailing "/" or
// "/domain" for the EHLO name), without user info or control characters.
bool valid_smtp_url(std::string_view url);

std::unique_ptr<MailSender> make_smtp_sender(SmtpConfig config);

const char* outcome_name(SendOutcome outcome);

}  // namespace asp::mail
