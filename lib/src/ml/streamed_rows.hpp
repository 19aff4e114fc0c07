// Reading rows of analyze's tf-idf matrix (Generation::matrix) without keeping them resident.
// serve scores every paper for each instant recommendation; the pages of a mapped file that a
// process has touched count in its RSS until they are unmapped (the matrix is ~200 MB at 50,000
// full texts), and on a virtual machine each page mapped costs a fault. So MatrixReader reads
// tfidf.bin with pread into small buffers: the file's pages stay in the kernel's page cache
// (not serve's RSS), and a pass copies them instead of mapping them (measured here: 2x faster
// than faulting the mapping in and releasing it, for the same RSS). When the file cannot be
// opened any more (a generation analyze has removed meanwhile), it reads the mapping instead and
// releases the pages it read (madvise MADV_DONTNEED: they leave this process's RSS, stay in the
// page cache; another reader of the same rows is not disturbed, a released page is mapped again
// on its next access). Nothing here writes to the file or the mapping.
//
// Not thread safe (buffers): one reader per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <asp/ml/linear_svm.hpp>

#include "ml/generation.hpp"

namespace asp::ml {

// Rows copied out of a matrix (a training problem over a subset of the papers).
struct GatheredRows {
    std::vector<uint64_t> row_ptr{0};
    std::vector<uint32_t> col;
    std::vector<float> val;
    SparseRows view(size_t n_features) const { return {row_ptr, col, val, n_features}; }
};

class MatrixReader {
public:
    explicit MatrixReader(const Generation& g);
    ~MatrixReader();
    MatrixReader(const MatrixReader&) = delete;
    MatrixReader& operator=(const MatrixReader&) = delete;

    // Appends row `r` to `out`, `copies` times (a row listed twice weighs twice in a linear
    // SVM's loss).
    void append_row(uint32_t r, GatheredRows& out, size_t copies = 1);
    // The decision value of every row under `model`, block by block. Same values as
    // decision_values() over the whole matrix.
    std::vector<float> decision_values(const LinearSvmModel& model);

private:
    // Non-zeros [first, first + count) into col_/val_.
    void read(uint64_t first, uint64_t count);

    const Generation& g_;
    int fd_ = -1;
    uint64_t col_offset_ = 0, val_offset_ = 0;
    std::vector<uint32_t> col_;
    std::vector<float> val_;
};

}  // namespace asp::ml
