// Clock: the one door to time. Code that waits (polite delays, retry backoff), measures a
// wait (rate limiters) or needs the date (signing stamps, expiry of credentials) asks a Clock
// it was given, so unit tests can run a week of backoff in microseconds with a fake that
// records the sleeps and sets the date.
// system_clock() is the real one (steady_clock, system_clock and
// std::this_thread::sleep_for); it never fails. Implementations must be thread-safe: one
// clock serves every thread of a server.
#pragma once

#include <chrono>

namespace asp {

class Clock {
public:
    using duration = std::chrono::steady_clock::duration;
    using time_point = std::chrono::steady_clock::time_point;
    using wall_time_point = std::chrono::system_clock::time_point;

    virtual ~Clock() = default;
    // Monotonic time, for intervals and deadlines.
    virtual time_point now() = 0;
    // Calendar time (UTC), for dates and stamps; it may jump when the system's clock is set.
    virtual wall_time_point wall_now() = 0;
    virtual void sleep_for(duration d) = 0;
};

// The process-wide real clock.
Clock& system_clock();

}  // namespace asp
