// SPDX-License-Identifier: Apache-2.0
// See hnsw_search.h. The walk follows FAISS's HNSW::search and
// search_from_candidates (faiss/impl/HNSW.cpp, 1.7.3, the version lorag links)
// step for step; what differs is how each step's distances are computed.
#include "rag/hnsw_search.h"

#include <faiss/IndexFlat.h>
#include <faiss/utils/Heap.h>

#include <algorithm>
#include <vector>

#include "rag/faiss_kernels.h"

namespace lorag::rag::detail {
namespace {

using StorageId = faiss::HNSW::storage_idx_t;

// The beam, with FAISS 1.7.3's HNSW::MinimaxHeap semantics exactly, since the
// walk's path depends on them: a max-heap of at most `capacity` (distance, id)
// pairs that drops its farthest when full; popping the nearest marks its slot -1
// in place, and count_below still counts popped slots. One quirk kept on
// purpose: dropping the farthest lowers the live count even when that slot was
// already popped (later FAISS checks first), which ends some walks a little
// early; keeping it makes lorag return what the FAISS it links returns.
class Beam {
 public:
  void reset(int capacity) {
    capacity_ = capacity;
    size_ = live_ = 0;
    dis_.resize(capacity);
    ids_.resize(capacity);
  }
  int live() const { return live_; }
  int id(int slot) const { return ids_[slot]; }
  float distance(int slot) const { return dis_[slot]; }

  void push(StorageId id, float d) {
    if (size_ == capacity_) {
      if (d >= dis_[0]) return;
      faiss::heap_pop<Heap>(size_--, dis_.data(), ids_.data());
      --live_;  // FAISS 1.7.3: even when the dropped slot was popped already
    }
    faiss::heap_push<Heap>(++size_, dis_.data(), ids_.data(), d, id);
    ++live_;
  }

  // The nearest live entry (the highest slot among equals, as FAISS scans down).
  StorageId pop_min(float* d) {
    int best = -1;
    for (int i = size_ - 1; i >= 0; --i) {
      if (ids_[i] != -1 && (best < 0 || dis_[i] < dis_[best])) best = i;
    }
    *d = dis_[best];
    const StorageId id = ids_[best];
    ids_[best] = -1;
    --live_;
    return id;
  }

  int count_below(float threshold) const {
    int n = 0;
    for (int i = 0; i < size_; ++i) n += dis_[i] < threshold;
    return n;
  }

 private:
  using Heap = faiss::CMax<float, StorageId>;
  int capacity_ = 0, size_ = 0, live_ = 0;
  std::vector<float> dis_;
  std::vector<StorageId> ids_;
};

// Per-thread scratch reused across queries and indexes. The visited table is
// cleared by advancing `generation` (a full clear only when it wraps), so a
// query costs no O(ntotal) reset, unlike FAISS 1.7.3, which allocates one per call.
struct Scratch {
  std::vector<uint16_t> visited;
  uint16_t generation = 0;
  Beam beam;
  std::vector<StorageId> ids;  // one node's unvisited neighbours
  std::vector<float> dis;      // and their distances

  void start_query(std::size_t ntotal, std::size_t max_neighbours) {
    if (visited.size() < ntotal) visited.resize(ntotal, 0);  // 0 is never a live generation
    if (++generation == 0) {
      std::fill(visited.begin(), visited.end(), 0);
      generation = 1;
    }
    ids.resize(max_neighbours);
    dis.resize(max_neighbours);
  }
  bool first_visit(StorageId v) {
    if (visited[v] == generation) return false;
    visited[v] = generation;
    return true;
  }
};

// Cache lines of each next row to prefetch: the hardware prefetcher follows a
// row once its first lines are being read.
constexpr int kPrefetchLines = 4;

class Walk {
 public:
  Walk(const faiss::IndexHNSW& index, const float* query, Scratch& scratch)
      : graph_(index.hnsw),
        rows_(static_cast<const faiss::IndexFlat&>(*index.storage).get_xb()),
        d_(static_cast<std::size_t>(index.d)),
        query_(query),
        // FAISS walks inner-product graphs on negated similarities
        // (NegativeDistanceComputer), so that smaller is nearer in both metrics.
        negate_(index.metric_type == faiss::METRIC_INNER_PRODUCT),
        kernels_(negate_ ? inner_product_kernels() : l2_squared_kernels()),
        scratch_(scratch) {}

  float distance(StorageId v) const {
    const float x = kernels_.one(query_, row(v), d_);
    return negate_ ? -x : x;
  }

  // FAISS's greedy_update_nearest: move to the nearest neighbour on `level`
  // until none is nearer. Distances in order with strict `<`, as FAISS.
  void descend(int level, StorageId& nearest, float& d_nearest) {
    for (;;) {
      const StorageId previous = nearest;
      const int n = collect(nearest, level, /*skip_visited=*/false);
      for (int i = 0; i < n; ++i) {
        if (scratch_.dis[i] < d_nearest) {
          nearest = scratch_.ids[i];
          d_nearest = scratch_.dis[i];
        }
      }
      if (nearest == previous) return;
    }
  }

  // FAISS's search_from_candidates on level 0 from the beam's one entry; results
  // go to the max-heap (D, I) of size k, of which it returns the count filled.
  int beam_search(int k, float* D, faiss::Index::idx_t* I) {
    Beam& beam = scratch_.beam;
    int nres = 0;
    for (int i = 0; i < beam.live(); ++i) {
      add_result(k, nres, D, I, beam.distance(i), beam.id(i));
      scratch_.first_visit(beam.id(i));
    }
    const bool check_distance = graph_.check_relative_distance;
    const int ef = graph_.efSearch;
    for (int step = 0; beam.live() > 0;) {
      float d0 = 0;
      const StorageId v0 = beam.pop_min(&d0);
      // FAISS's stopping rule: ef distances already seen are nearer than the
      // one about to be expanded.
      if (check_distance && beam.count_below(d0) >= ef) break;
      const int n = collect(v0, 0, /*skip_visited=*/true);
      for (int i = 0; i < n; ++i) {
        add_result(k, nres, D, I, scratch_.dis[i], scratch_.ids[i]);
        beam.push(scratch_.ids[i], scratch_.dis[i]);
      }
      if (!check_distance && ++step > ef) break;
    }
    return nres;
  }

 private:
  const float* row(StorageId v) const { return rows_ + static_cast<std::size_t>(v) * d_; }

  static void add_result(int k, int& nres, float* D, faiss::Index::idx_t* I, float d, StorageId v) {
    if (nres < k) {
      faiss::maxheap_push(++nres, D, I, d, static_cast<faiss::Index::idx_t>(v));
    } else if (d < D[0]) {
      faiss::maxheap_replace_top(nres, D, I, d, static_cast<faiss::Index::idx_t>(v));
    }
  }

  // Node v's neighbours on `level` (those not visited yet, marking them, when
  // skip_visited) into scratch ids/dis with their distances; returns how many.
  // Marking before measuring keeps FAISS's order: a mark never depends on a distance.
  int collect(StorageId v, int level, bool skip_visited) {
    const std::size_t base = graph_.offsets[v];
    const StorageId* begin = graph_.neighbors.data() + base + graph_.cum_nneighbor_per_level[level];
    const StorageId* end = graph_.neighbors.data() + base + graph_.cum_nneighbor_per_level[level + 1];
    if (skip_visited) {
      for (const StorageId* p = begin; p != end && *p >= 0; ++p) __builtin_prefetch(&scratch_.visited[*p]);
    }
    int n = 0;
    for (const StorageId* p = begin; p != end && *p >= 0; ++p) {
      if (skip_visited && !scratch_.first_visit(*p)) continue;
      scratch_.ids[n++] = *p;
      const char* r = reinterpret_cast<const char*>(row(*p));
      for (int line = 0; line < kPrefetchLines; ++line) __builtin_prefetch(r + 64 * line);
    }
    measure(n);
    return n;
  }

  // Distances to scratch ids[0..n), four rows at a time.
  void measure(int n) {
    const StorageId* ids = scratch_.ids.data();
    float* out = scratch_.dis.data();
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      const float* four[4] = {row(ids[i]), row(ids[i + 1]), row(ids[i + 2]), row(ids[i + 3])};
      kernels_.four(query_, four, d_, out + i);
    }
    for (; i < n; ++i) out[i] = kernels_.one(query_, row(ids[i]), d_);
    if (negate_) {
      for (i = 0; i < n; ++i) out[i] = -out[i];
    }
  }

  const faiss::HNSW& graph_;
  const float* rows_;
  std::size_t d_;
  const float* query_;
  bool negate_;
  const DistanceKernels& kernels_;
  Scratch& scratch_;
};

thread_local Scratch t_scratch;

}  // namespace

const faiss::IndexHNSW* walkable_hnsw(const faiss::Index& index) {
  const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(&index);
  if (!hnsw || !hnsw->storage || hnsw->reconstruct_from_neighbors) return nullptr;
  const auto* flat = dynamic_cast<const faiss::IndexFlat*>(hnsw->storage);
  const bool metric_ok = hnsw->metric_type == faiss::METRIC_INNER_PRODUCT || hnsw->metric_type == faiss::METRIC_L2;
  if (!flat || flat->metric_type != hnsw->metric_type || !metric_ok || flat->d != hnsw->d) return nullptr;
  if (hnsw->hnsw.upper_beam != 1 || !hnsw->hnsw.search_bounded_queue) return nullptr;
  return hnsw;
}

void hnsw_search(const faiss::IndexHNSW& index, const float* query, int64_t k, float* distances,
                 faiss::Index::idx_t* labels) {
  if (k < 1) return;  // nothing to write (FAISS would throw)
  const faiss::HNSW& graph = index.hnsw;
  faiss::maxheap_heapify(k, distances, labels);
  if (graph.entry_point != -1) {
    Scratch& scratch = t_scratch;
    const auto& cum = graph.cum_nneighbor_per_level;
    int max_neighbours = 0;
    for (std::size_t level = 0; level + 1 < cum.size(); ++level) {
      max_neighbours = std::max(max_neighbours, cum[level + 1] - cum[level]);
    }
    scratch.start_query(static_cast<std::size_t>(index.ntotal), static_cast<std::size_t>(max_neighbours));
    Walk walk(index, query, scratch);
    StorageId nearest = graph.entry_point;
    float d_nearest = walk.distance(nearest);
    for (int level = graph.max_level; level >= 1; --level) walk.descend(level, nearest, d_nearest);
    scratch.beam.reset(std::max(graph.efSearch, static_cast<int>(k)));
    scratch.beam.push(nearest, d_nearest);
    walk.beam_search(static_cast<int>(k), distances, labels);
  }
  faiss::maxheap_reorder(k, distances, labels);
  if (index.metric_type == faiss::METRIC_INNER_PRODUCT) {
    for (int64_t i = 0; i < k; ++i) distances[i] = -distances[i];  // as IndexHNSW::search
  }
}

}  // namespace lorag::rag::detail
