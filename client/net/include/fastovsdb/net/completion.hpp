#pragma once
// Type-erased, move-only storage for the completion handlers of the client's
// asynchronous operations, so that the non-template driver can hold handlers
// of any token (callbacks, use_future, use_awaitable) until their reply.
//
// A handler is always invoked through a post to its associated executor
// (the client's strand when it has none), never inline from the driver loop:
// a handler may start new operations without re-entering the loop. Outstanding
// work is tracked on that executor from initiation to completion, so an
// io_context running a coroutine that waits on us does not run out of work.
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

namespace fastovsdb::net::detail {

namespace asio = boost::asio;

// Receives a value of type Arg exactly once.
template <class Arg>
class Completion {
 public:
  virtual ~Completion() = default;
  // Called on the client's strand.
  virtual void complete(Arg value) = 0;
};

template <class Arg>
using CompletionPtr = std::unique_ptr<Completion<Arg>>;

// `Convert` turns what the driver has (Arg) into what the handler takes.
template <class Arg, class Handler, class Convert, class Fallback>
class HandlerCompletion final : public Completion<Arg> {
 public:
  HandlerCompletion(Handler handler, Convert convert, const Fallback& fallback)
      : work_(asio::prefer(asio::get_associated_executor(handler, fallback),
                           asio::execution::outstanding_work.tracked)),
        handler_(std::move(handler)),
        convert_(std::move(convert)) {}

  void complete(Arg value) override {
    // The slot belongs to the caller; cleared here, on the strand, where
    // cancellation is also delivered, so the two never race.
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) slot.clear();
    auto result = convert_(std::move(value));
    asio::post(work_, [h = std::move(handler_), r = std::move(result)]() mutable { std::move(h)(std::move(r)); });
  }

 private:
  using Work = std::decay_t<decltype(asio::prefer(
      std::declval<asio::associated_executor_t<Handler, Fallback>>(),
      asio::execution::outstanding_work.tracked))>;
  Work work_;
  Handler handler_;
  Convert convert_;
};

struct Identity {
  template <class T>
  T operator()(T&& v) const {
    return std::forward<T>(v);
  }
};

// Asks the driver to cancel operation `op_id`; installed in the handler's
// cancellation slot.
struct CancelRequest {
  std::function<void(uint64_t)> cancel;
  uint64_t op_id;
  void operator()(asio::cancellation_type type) const {
    if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                 asio::cancellation_type::total)) != asio::cancellation_type::none)
      cancel(op_id);
  }
};

}  // namespace fastovsdb::net::detail
