// Clock: the one door to time for code that waits (polite delays, retry backoff), so unit
// tests can run a week of backoff in microseconds with a fake that records the sleeps.
// system_clock() is the real one (steady_clock + std::this_thread::sleep_for); it never fails.
#pragma once

#include <chrono>

namespace asp {

class Clock {
public:
    using duration = std::chrono::steady_clock::duration;
    using time_point = std::chrono::steady_clock::time_point;

    virtual ~Clock() = default;
    virtual time_point now() = 0;
    virtual void sleep_for(duration d) = 0;
};

// The process-wide real clock.
Clock& system_clock();

}  // namespace asp
