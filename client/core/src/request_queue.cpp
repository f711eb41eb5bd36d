#include "request_queue.hpp"

#include <algorithm>

#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {

void RequestQueue::buffer(int64_t id, PendingRequest& req) {
  JsonWriter w(out_);
  w.begin_object().key("id").integer(id).key("method").string(req.method).key("params").raw(req.params);
  w.end_object();
  req.state = ReqState::buffered;
  out_ids_.push_back(id);
  ++metrics_.messages_sent;
  if (req.kind == ReqKind::user_transact) ++metrics_.transactions_sent;
}

PendingRequest& RequestQueue::send(PendingRequest req) {
  int64_t id = allocate_id();
  auto& stored = pending_.emplace(id, std::move(req)).first->second;
  buffer(id, stored);
  return stored;
}

void RequestQueue::submit(int64_t id, PendingRequest req, bool flowing) {
  ++user_pending_;
  auto& stored = pending_.emplace(id, std::move(req)).first->second;
  if (flowing) {
    buffer(id, stored);
  } else {
    queued_.push_back(id);
  }
}

void RequestQueue::flush_queued() {
  while (!queued_.empty()) {
    int64_t id = queued_.front();
    queued_.pop_front();
    auto it = pending_.find(id);
    if (it != pending_.end() && it->second.state == ReqState::queued) buffer(id, it->second);
  }
}

void RequestQueue::send_notification(std::string_view method, std::string_view params) {
  JsonWriter w(out_);
  w.begin_object().key("id").null().key("method").string(method).key("params").raw(params);
  w.end_object();
  ++metrics_.messages_sent;
}

std::optional<std::string_view> RequestQueue::next_write() {
  if (write_in_flight_) return std::nullopt;
  if (writing_done_ < writing_.size()) {
    write_in_flight_ = true;
    return std::string_view(writing_).substr(writing_done_);
  }
  if (out_.empty()) return std::nullopt;
  writing_.swap(out_);
  out_.clear();
  writing_done_ = 0;
  for (int64_t id : out_ids_) {
    auto it = pending_.find(id);
    if (it != pending_.end() && it->second.state == ReqState::buffered) it->second.state = ReqState::written;
  }
  out_ids_.clear();
  write_in_flight_ = true;
  ++metrics_.writes;
  return std::string_view(writing_);
}

size_t RequestQueue::write_done(size_t n) {
  if (!write_in_flight_) return 0;
  write_in_flight_ = false;
  n = std::min(n, writing_.size() - writing_done_);
  writing_done_ += n;
  if (writing_done_ >= writing_.size()) {
    writing_.clear();
    writing_done_ = 0;
  }
  return n;
}

std::optional<PendingRequest> RequestQueue::take_answered(int64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.state != ReqState::written) return std::nullopt;
  PendingRequest req = std::move(it->second);
  pending_.erase(it);
  if (req.user_visible()) forget_user_request();
  return req;
}

PendingRequest* RequestQueue::find(int64_t id) {
  auto it = pending_.find(id);
  return it == pending_.end() ? nullptr : &it->second;
}

std::optional<PendingRequest> RequestQueue::take_queued(int64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end() || !it->second.user_visible() || it->second.state != ReqState::queued) {
    return std::nullopt;
  }
  queued_.erase(std::remove(queued_.begin(), queued_.end(), id), queued_.end());
  PendingRequest req = std::move(it->second);
  pending_.erase(it);
  forget_user_request();
  return req;
}

bool RequestQueue::queued_lock_request(std::string_view lock_name) const {
  return std::any_of(queued_.begin(), queued_.end(), [&](int64_t id) {
    auto it = pending_.find(id);
    return it != pending_.end() && it->second.kind == ReqKind::user_lock && it->second.lock_name == lock_name;
  });
}

std::vector<std::pair<int64_t, PendingRequest>> RequestQueue::connection_lost() {
  std::vector<std::pair<int64_t, PendingRequest>> unknown;
  std::vector<int64_t> requeue;
  for (auto it = pending_.begin(); it != pending_.end();) {
    PendingRequest& req = it->second;
    if (!req.user_visible()) {
      it = pending_.erase(it);
      continue;
    }
    if (req.state == ReqState::written) {
      forget_user_request();
      unknown.emplace_back(it->first, std::move(req));
      it = pending_.erase(it);
      continue;
    }
    if (req.state == ReqState::buffered) {
      req.state = ReqState::queued;
      requeue.push_back(it->first);
    }
    ++it;
  }
  if (!requeue.empty()) {
    // Never written: they go out first on the next connection, in order.
    requeue.insert(requeue.end(), queued_.begin(), queued_.end());
    std::sort(requeue.begin(), requeue.end());
    queued_.assign(requeue.begin(), requeue.end());
  }
  out_.clear();
  out_ids_.clear();
  writing_.clear();
  writing_done_ = 0;
  write_in_flight_ = false;
  return unknown;
}

std::vector<std::pair<int64_t, PendingRequest>> RequestQueue::take_all() {
  std::vector<std::pair<int64_t, PendingRequest>> all;
  for (auto& [id, req] : pending_) {
    if (req.user_visible()) all.emplace_back(id, std::move(req));
  }
  pending_.clear();
  queued_.clear();
  user_pending_ = 0;
  return all;
}

}  // namespace fastovsdb
