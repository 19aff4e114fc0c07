#include "ml/streamed_rows.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace asp::ml {
namespace {

constexpr size_t kBlockRows = 2048;  // ~8 MB of a full-text matrix per block

// Whole pages covering [p, p + bytes) of a read-only file mapping leave this process's RSS.
void release_bytes(const void* p, size_t bytes) {
    if (bytes == 0) return;
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes + page - 1) & ~(page - 1);
    // Advice only: if the kernel refuses, the pages merely stay resident.
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

bool pread_all(int fd, void* buf, size_t bytes, uint64_t offset) {
    auto* p = static_cast<char*>(buf);
    while (bytes > 0) {
        const ssize_t n = ::pread(fd, p, bytes, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        bytes -= static_cast<size_t>(n);
        offset += static_cast<uint64_t>(n);
    }
    return true;
}

}  // namespace

MatrixReader::MatrixReader(const Generation& g) : g_(g) {
    const SectionFile& f = g.tfidf_file();
    fd_ = ::open(f.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0) {
        col_offset_ = f.offset("col");
        val_offset_ = f.offset("val");
    }
}

MatrixReader::~MatrixReader() {
    if (fd_ >= 0) ::close(fd_);
}

void MatrixReader::read(uint64_t first, uint64_t count) {
    col_.resize(count);
    val_.resize(count);
    if (fd_ >= 0 && pread_all(fd_, col_.data(), count * sizeof(uint32_t), col_offset_ + first * sizeof(uint32_t)) &&
        pread_all(fd_, val_.data(), count * sizeof(float), val_offset_ + first * sizeof(float)))
        return;
    // The mapping instead (see the header); its pages are released again.
    const CsrView& m = g_.matrix;
    std::copy_n(m.col.begin() + static_cast<ptrdiff_t>(first), count, col_.begin());
    std::copy_n(m.val.begin() + static_cast<ptrdiff_t>(first), count, val_.begin());
    release_bytes(m.col.data() + first, count * sizeof(uint32_t));
    release_bytes(m.val.data() + first, count * sizeof(float));
}

void MatrixReader::append_row(uint32_t r, GatheredRows& out, size_t copies) {
    const uint64_t b = g_.matrix.row_ptr[r], e = g_.matrix.row_ptr[r + 1];
    read(b, e - b);
    for (size_t k = 0; k < copies; ++k) {
        out.col.insert(out.col.end(), col_.begin(), col_.end());
        out.val.insert(out.val.end(), val_.begin(), val_.end());
        out.row_ptr.push_back(out.col.size());
    }
}

std::vector<float> MatrixReader::decision_values(const LinearSvmModel& model) {
    const CsrView& m = g_.matrix;
    const size_t n = m.rows();
    std::vector<float> out(n);
    std::vector<uint64_t> ptr;
    const std::span<const LinearSvmModel> models(&model, 1);
    for (size_t first = 0; first < n; first += kBlockRows) {
        const size_t last = std::min(n, first + kBlockRows);
        const uint64_t base = m.row_ptr[first];
        read(base, m.row_ptr[last] - base);
        ptr.resize(last - first + 1);
        for (size_t i = first; i <= last; ++i) ptr[i - first] = m.row_ptr[i] - base;
        const SparseRows block{ptr, col_, val_, g_.terms.size()};
        const auto s = ml::decision_values(block, models);
        std::copy(s[0].begin(), s[0].end(), out.begin() + static_cast<ptrdiff_t>(first));
    }
    return out;
}

}  // namespace asp::ml
