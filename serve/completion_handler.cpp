// SPDX-License-Identifier: Apache-2.0
// POST /v1/chat/completions and /v1/completions (serve/): validate, check the
// key, model, store and context, admit, start the jobs, then answer at once or
// stream server-sent events. Generation itself is the backend's.
#include <random>

#include "serve/api_request.h"
#include "serve/api_response.h"
#include "serve/json_limits.h"
#include "serve/peer_socket.h"
#include "serve/server_impl.h"

namespace lorag::serve::detail {
namespace {

constexpr auto kWaitTick = std::chrono::milliseconds(100);

std::string random_id(const char* prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = prefix;
  for (int i = 0; i < 24; ++i) id += kHex[rng() & 15];
  return id;
}

std::vector<GenerationJob> make_jobs(const CompletionRequest& r, const std::vector<Source>& sources) {
  std::vector<GenerationJob> jobs;
  GenerationJob base;
  base.model = r.model;
  base.chat = r.chat;
  base.sampling = r.sampling;
  base.sources = sources;
  if (r.chat) {
    base.messages = r.messages;
    jobs.push_back(std::move(base));
    return jobs;
  }
  for (const std::string& p : r.prompts) {  // one job per prompt string, choices p*n .. p*n+n-1
    GenerationJob j = base;
    j.prompt = p;
    jobs.push_back(std::move(j));
  }
  return jobs;
}

// 400 with the numbers when prompt + max_tokens do not fit the context (vLLM's wording).
void check_context(const PromptCheck& pc, const CompletionRequest& r) {
  const char* what = r.chat ? "messages" : "prompt";
  const int max_tokens = r.sampling.max_tokens;
  const bool over = max_tokens < 0 ? pc.prompt_tokens >= pc.context_length
                                   : static_cast<int64_t>(pc.prompt_tokens) + max_tokens > pc.context_length;
  if (!over) return;
  std::string msg = "This model's maximum context length is " + std::to_string(pc.context_length) +
                    " tokens. However, you requested ";
  if (max_tokens < 0) {
    msg += std::to_string(pc.prompt_tokens) + " tokens in the " + what + ". Please reduce the length of the " + what + ".";
  } else {
    msg += std::to_string(static_cast<int64_t>(pc.prompt_tokens) + max_tokens) + " tokens (" +
           std::to_string(pc.prompt_tokens) + " in the " + what + ", " + std::to_string(max_tokens) +
           " in the completion). Please reduce the length of the " + what + " or completion.";
  }
  throw ApiError(400, msg, "invalid_request_error", what, "context_length_exceeded");
}

// Why a wait loop gave up, if it did.
enum class Abort { kNone, kTimeout, kDisconnected, kShutdown };

struct Watch {
  Clock::time_point deadline;
  int fd = -1;
  Abort check(const JobState& state) const {
    if (state.cancelled()) return Abort::kShutdown;  // only shutdown() cancels a state from outside
    if (Clock::now() > deadline) return Abort::kTimeout;
    if (peer_closed(fd)) return Abort::kDisconnected;
    return Abort::kNone;
  }
};

ApiError abort_error(Abort why, const ServerConfig& config) {
  if (why == Abort::kTimeout) {
    return ApiError(504, "generation took longer than the request timeout of " +
                             std::to_string(static_cast<int>(config.request_timeout_s)) + " s",
                    "timeout_error", "", "request_timeout");
  }
  return ApiError(503, "server is shutting down; the request was cancelled", "server_error", "", "shutting_down");
}

// The error a finished choice carries, if any.
const FinishInfo* failed_choice(const std::vector<FinishInfo>& finishes) {
  for (const FinishInfo& f : finishes) {
    if (f.finish_reason == "error") return &f;
  }
  return nullptr;
}

void answer_whole(ServerImpl& s, const httplib::Request& req, httplib::Response& res, const CompletionRequest& r,
                  const ResponseMeta& meta, const std::vector<Source>& sources, std::shared_ptr<Ticket> ticket,
                  int choices) {
  const auto& state = ticket->state();
  Watch watch{request_context().start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(s.config.request_timeout_s)),
              find_connection_socket(req.local_addr, req.local_port, req.remote_addr, req.remote_port)};
  std::vector<ChoiceResult> results(static_cast<size_t>(choices));
  std::vector<FinishInfo> finishes;
  while (true) {
    auto events = state->wait_events(kWaitTick);
    for (JobEvent& e : events) {
      if (e.finished) {
        results[static_cast<size_t>(e.index)].finish_reason = e.finish.finish_reason;
        finishes.push_back(e.finish);
      } else {
        results[static_cast<size_t>(e.index)].text += e.text;
      }
    }
    if (events.empty() && state->all_finished()) break;
    const Abort why = watch.check(*state);
    if (why == Abort::kNone) continue;
    state->cancel();
    if (why == Abort::kDisconnected) {
      res.status = 499;  // nginx's "client closed request"; nobody reads it, the access log does
      return;
    }
    throw abort_error(why, s.config);
  }
  RequestContext& ctx = request_context();
  ctx.prompt_tokens = state->prompt_tokens();
  ctx.completion_tokens = state->completion_tokens();
  s.metrics.add_tokens(ctx.prompt_tokens, ctx.completion_tokens);
  if (const FinishInfo* f = failed_choice(finishes)) {
    throw ApiError(500, "generation failed: " + f->error, "server_error", "", "");
  }
  (void)r;
  send_json(res, completion_response(meta, results, Usage{ctx.prompt_tokens, ctx.completion_tokens}, sources));
}

// Streams one request's events as server-sent events; false when the client is gone.
class EventStream {
 public:
  EventStream(ServerImpl& s, const CompletionRequest& r, ResponseMeta meta, std::vector<Source> sources,
              std::shared_ptr<Ticket> ticket, int choices, Watch watch)
      : s_(s), include_usage_(r.include_usage), meta_(std::move(meta)), sources_(std::move(sources)),
        ticket_(std::move(ticket)), choices_(choices), watch_(watch) {}

  bool run(httplib::DataSink& sink) {
    const auto& state = ticket_->state();
    for (int i = 0; i < choices_; ++i) {  // OpenAI opens every chat choice with the role
      nlohmann::json first = completion_chunk(meta_, i, "", meta_.chat, "", include_usage_);
      if (i == 0 && !sources_.empty()) first["lorag"] = sources_json(sources_);
      if (meta_.chat || (i == 0 && !sources_.empty())) {  // completions: only to carry the sources
        if (!write(sink, sse_event(first))) return gone();
      }
    }
    std::string error;
    while (true) {
      auto events = state->wait_events(kWaitTick);
      for (JobEvent& e : events) {
        if (!e.finished && e.text.empty()) continue;
        if (e.finished && e.finish.finish_reason == "error") error = e.finish.error;
        const std::string reason = e.finished ? (e.finish.finish_reason == "length" ? "length" : "stop") : "";
        if (!write(sink, sse_event(completion_chunk(meta_, e.index, e.text, false, reason, include_usage_)))) {
          return gone();
        }
      }
      if (events.empty() && state->all_finished()) break;
      const Abort why = watch_.check(*state);
      if (why == Abort::kDisconnected) return gone();
      if (why != Abort::kNone) {
        state->cancel();
        const ApiError e = abort_error(why, s_.config);
        write(sink, "data: " + error_body(e) + "\n\n");
        write(sink, kSseDone);
        sink.done();
        return true;
      }
    }
    RequestContext& ctx = request_context();
    ctx.prompt_tokens = state->prompt_tokens();
    ctx.completion_tokens = state->completion_tokens();
    s_.metrics.add_tokens(ctx.prompt_tokens, ctx.completion_tokens);
    if (!error.empty()) {
      write(sink, "data: " + error_body(ApiError(500, "generation failed: " + error, "server_error", "", "")) + "\n\n");
    } else if (include_usage_) {
      write(sink, sse_event(usage_chunk(meta_, Usage{ctx.prompt_tokens, ctx.completion_tokens})));
    }
    write(sink, kSseDone);
    sink.done();
    return true;
  }

 private:
  static bool write(httplib::DataSink& sink, const std::string& text) { return sink.write(text.data(), text.size()); }
  bool gone() {
    ticket_->state()->cancel();  // the client left: free the slot
    return false;
  }

  ServerImpl& s_;
  bool include_usage_;
  ResponseMeta meta_;
  std::vector<Source> sources_;
  std::shared_ptr<Ticket> ticket_;
  int choices_;
  Watch watch_;
};

}  // namespace

void handle_completion(ServerImpl& s, const httplib::Request& req, httplib::Response& res, bool chat) {
  const nlohmann::json body = parse_request_body(req.body, s.config.max_json_depth);
  const CompletionRequest r = chat ? parse_chat_request(body) : parse_completion_request(body);
  s.check_model(r.model, "generate");
  std::vector<Source> sources;
  if (r.grounding) {
    s.check_store(r.grounding->store);
    sources = s.backend.retrieve(r.grounding->store, grounding_query(r), r.grounding->top_k);
  }
  const std::vector<GenerationJob> jobs = make_jobs(r, sources);
  for (const GenerationJob& job : jobs) check_context(s.backend.check_prompt(job), r);

  const int n = r.sampling.n;
  const int choices = static_cast<int>(jobs.size()) * n;
  auto state = std::make_shared<JobState>(static_cast<int>(jobs.size()), n, request_context().start, s.metrics);
  std::shared_ptr<Ticket> ticket = s.admit(state);
  for (size_t j = 0; j < jobs.size(); ++j) state->add_handle(s.backend.start(jobs[j], state->callbacks(static_cast<int>(j))));

  const ResponseMeta meta{random_id(chat ? "chatcmpl-" : "cmpl-"),
                          std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count(),
                          r.model, chat};
  if (!r.stream) {
    answer_whole(s, req, res, r, meta, sources, std::move(ticket), choices);
    return;
  }
  Watch watch{request_context().start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(s.config.request_timeout_s)),
              find_connection_socket(req.local_addr, req.local_port, req.remote_addr, req.remote_port)};
  auto stream = std::make_shared<EventStream>(s, r, meta, sources, ticket, choices, watch);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [stream](size_t, httplib::DataSink& sink) { return stream->run(sink); },
      [state](bool success) {
        if (!success) state->cancel();
      });
}

}  // namespace lorag::serve::detail
