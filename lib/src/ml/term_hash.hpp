// 64-bit term hashing and a compact open-addressing map from hash to count, so fitting a
// vocabulary counts tens of millions of distinct n-grams in 16 bytes each, without strings.
// Two terms sharing a 64-bit hash (odds ~1e-4 at 50 million terms) would be counted together.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace asp::ml {

inline uint64_t term_hash(std::string_view s) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    // splitmix64 finalizer: FNV's low bits are weak for a power-of-two table.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h == 0 ? 1 : h;  // 0 marks an empty slot
}

class HashCounter {
public:
    HashCounter() : slots_(1024) {}

    void add(uint64_t key, uint64_t n = 1) {
        if ((size_ + 1) * 10 > slots_.size() * 7) grow();
        auto& s = find(key);
        if (s.first == 0) {
            s.first = key;
            ++size_;
        }
        s.second += n;
    }
    uint64_t get(uint64_t key) const {
        const size_t mask = slots_.size() - 1;
        for (size_t i = key & mask;; i = (i + 1) & mask) {
            if (slots_[i].first == key) return slots_[i].second;
            if (slots_[i].first == 0) return 0;
        }
    }
    bool contains(uint64_t key) const { return get(key) != 0; }
    size_t size() const { return size_; }
    template <class Fn>
    void for_each(Fn&& fn) const {
        for (const auto& s : slots_)
            if (s.first) fn(s.first, s.second);
    }
    void merge(const HashCounter& other) {
        other.for_each([&](uint64_t k, uint64_t v) { add(k, v); });
    }
    void clear() {
        std::vector<std::pair<uint64_t, uint64_t>>(1024).swap(slots_);
        size_ = 0;
    }
    // Drops every key whose count is <= t (lossy counting: a kept count is then short by at
    // most the sum of the thresholds used).
    void keep_above(uint64_t t) {
        std::vector<std::pair<uint64_t, uint64_t>> old;
        old.swap(slots_);
        slots_.assign(old.size(), {0, 0});
        size_ = 0;
        for (const auto& s : old)
            if (s.first && s.second > t) {
                find(s.first) = s;
                ++size_;
            }
    }

private:
    std::pair<uint64_t, uint64_t>& find(uint64_t key) {
        const size_t mask = slots_.size() - 1;
        for (size_t i = key & mask;; i = (i + 1) & mask)
            if (slots_[i].first == key || slots_[i].first == 0) return slots_[i];
    }
    void grow() {
        std::vector<std::pair<uint64_t, uint64_t>> old(slots_.size() * 2);
        old.swap(slots_);
        size_ = 0;
        for (const auto& s : old)
            if (s.first) {
                auto& d = find(s.first);
                d = s;
                ++size_;
            }
    }

    std::vector<std::pair<uint64_t, uint64_t>> slots_;
    size_t size_ = 0;
};

// Counts 64-bit keys by sorting, not hashing: keys are appended to a buffer; a full buffer is
// radix-sorted, run-length coded and merged into a table sorted by key. Every step streams
// through memory, where inserting tens of millions of keys into a hash table of millions
// misses the cache on nearly every key (this was most of the vocabulary fit's time).
class SortedCounter {
public:
    using Entry = std::pair<uint64_t, uint64_t>;  // key, count; ascending by key

    explicit SortedCounter(size_t buffer_keys = size_t{1} << 20) : cap_(buffer_keys) {
        buf_.reserve(cap_);
    }

    void add(uint64_t key) {
        buf_.push_back(key);
        if (buf_.size() >= cap_) flush();
    }
    // Distinct keys in the table (keys still in the buffer not counted: the table grows only
    // when the buffer is flushed).
    size_t table_size() const { return table_.size(); }
    const std::vector<Entry>& entries() { flush(); return table_; }
    // Drops every key whose count is <= t (lossy counting, as HashCounter::keep_above).
    void keep_above(uint64_t t) {
        flush();
        std::erase_if(table_, [t](const Entry& e) { return e.second <= t; });
    }
    void merge(SortedCounter& other) {
        other.flush();
        flush();
        merge_runs(other.table_);
        std::vector<Entry>().swap(other.table_);
    }

    void flush() {
        if (buf_.empty()) return;
        radix_sort(buf_, tmp_);
        runs_.clear();
        for (size_t i = 0; i < buf_.size();) {
            size_t j = i + 1;
            while (j < buf_.size() && buf_[j] == buf_[i]) ++j;
            runs_.emplace_back(buf_[i], j - i);
            i = j;
        }
        buf_.clear();
        merge_runs(runs_);
    }

private:
    // LSD radix sort, 11 bits a pass (2048 buckets: the scatter stays cache-friendly).
    static void radix_sort(std::vector<uint64_t>& v, std::vector<uint64_t>& tmp) {
        constexpr int kBits = 11;
        constexpr uint64_t kMask = (uint64_t{1} << kBits) - 1;
        tmp.resize(v.size());
        std::vector<uint32_t> count(size_t{1} << kBits);
        for (int shift = 0; shift < 64; shift += kBits) {
            std::fill(count.begin(), count.end(), 0u);
            for (uint64_t k : v) ++count[(k >> shift) & kMask];
            uint32_t sum = 0;
            for (auto& c : count) {
                const uint32_t n = c;
                c = sum;
                sum += n;
            }
            for (uint64_t k : v) tmp[count[(k >> shift) & kMask]++] = k;
            v.swap(tmp);
        }
    }
    void merge_runs(const std::vector<Entry>& runs) {
        if (runs.empty()) return;
        if (table_.empty()) {
            table_ = runs;
            return;
        }
        merged_.clear();
        merged_.reserve(table_.size() + runs.size());
        size_t a = 0, b = 0;
        while (a < table_.size() && b < runs.size()) {
            if (table_[a].first < runs[b].first) {
                merged_.push_back(table_[a++]);
            } else if (runs[b].first < table_[a].first) {
                merged_.push_back(runs[b++]);
            } else {
                merged_.emplace_back(table_[a].first, table_[a].second + runs[b].second);
                ++a;
                ++b;
            }
        }
        merged_.insert(merged_.end(), table_.begin() + static_cast<ptrdiff_t>(a), table_.end());
        merged_.insert(merged_.end(), runs.begin() + static_cast<ptrdiff_t>(b), runs.end());
        table_.swap(merged_);
        if (merged_.capacity() > 2 * table_.size() + cap_) std::vector<Entry>().swap(merged_);
    }

    size_t cap_;
    std::vector<uint64_t> buf_, tmp_;
    std::vector<Entry> runs_, table_, merged_;
};

}  // namespace asp::ml
