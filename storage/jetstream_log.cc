#include "storage/jetstream_log.h"

#include <nats/nats.h>
#include <sodium.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "storage/keys.h"

namespace syndicate::storage {
namespace {

// "what: the NATS error (JetStream code N)" as `code`.
absl::Status NatsError(absl::StatusCode code, absl::string_view what, natsStatus status,
                       jsErrCode js_error = static_cast<jsErrCode>(0)) {
  std::string message = absl::StrCat(what, ": ", natsStatus_GetText(status));
  if (js_error != 0)
    absl::StrAppend(&message, " (JetStream error ", static_cast<int>(js_error), ")");
  return absl::Status(code, message);
}

// Lowercase hex of the first `bytes` bytes of BLAKE2b (16-byte digest) over `text`.
std::string HexHash(absl::string_view text, size_t bytes) {
  unsigned char hash[crypto_generichash_BYTES_MIN];
  if (crypto_generichash(hash, sizeof(hash), reinterpret_cast<const unsigned char*>(text.data()),
                         text.size(), nullptr, 0) != 0) {
    return "";
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), std::min(bytes, sizeof(hash))));
}

bool IsStreamName(absl::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// How long a reader looks again every millisecond after a doorbell rang, and how often it
// looks when none does.
constexpr absl::Duration kEagerAfterRing = absl::Milliseconds(20);
constexpr absl::Duration kLookAgain = absl::Milliseconds(100);

std::string SecretsStream(absl::string_view stream) { return absl::StrCat(stream, "_SECRETS"); }
std::string SharedStream(absl::string_view stream) { return absl::StrCat(stream, "_ADMIN"); }

// The info of stream `name` (subjects "<name>.>"), created with file storage, the options'
// replicas and retention when it does not exist. Retried until the options' timeout, since
// a cluster that has just started elects its JetStream leader first and answers nothing
// until then: each try waits at most a second. The caller destroys the info.
absl::StatusOr<jsStreamInfo*> FindOrCreateStream(jsCtx* js, const JetStreamLogOptions& options,
                                                 const std::string& name) {
  const std::string subjects = absl::StrCat(name, ".>");
  const absl::Time deadline = absl::Now() + std::max(options.timeout, options.connect_timeout);
  jsOptions attempt;
  jsOptions_Init(&attempt);
  attempt.Wait = std::min<int64_t>(absl::ToInt64Milliseconds(options.timeout), 1000);
  jsStreamInfo* info = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  natsStatus s = NATS_OK;
  while (true) {
    s = js_GetStreamInfo(&info, js, name.c_str(), &attempt, &js_error);
    if (s == NATS_NOT_FOUND) {
      jsStreamConfig config;
      jsStreamConfig_Init(&config);
      config.Name = name.c_str();
      const char* subject_list[] = {subjects.c_str()};
      config.Subjects = subject_list;
      config.SubjectsLen = 1;
      config.Storage = js_FileStorage;
      config.Replicas = options.replicas;
      if (options.max_age.has_value()) config.MaxAge = absl::ToInt64Nanoseconds(*options.max_age);
      if (options.max_entries.has_value()) {
        config.MaxMsgs = static_cast<int64_t>(
            std::min<uint64_t>(*options.max_entries, std::numeric_limits<int64_t>::max()));
      }
      s = js_AddStream(&info, js, &config, &attempt, &js_error);
    }
    if (s == NATS_OK || absl::Now() > deadline) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable,
                     absl::StrCat("finding or creating JetStream stream ", name), s, js_error);
  }
  return info;
}

}  // namespace

struct JetStreamLog::Handles {
  ~Handles() {
    // Drained first when connected, so that no Ring runs once the members below are gone;
    // while disconnected no message can come, and a drain could only wait out its timeout.
    const bool connected = natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED;
    for (natsSubscription* doorbell : doorbells) {
      if (connected && natsSubscription_Drain(doorbell) == NATS_OK) {
        natsSubscription_WaitForDrainCompletion(doorbell, 1000);
      } else {
        natsSubscription_Unsubscribe(doorbell);
      }
      natsSubscription_Destroy(doorbell);
    }
    if (js != nullptr) jsCtx_Destroy(js);
    if (connection != nullptr) natsConnection_Destroy(connection);
  }

  // The doorbells' handler: a message was published on a stream's subjects.
  static void Ring(natsConnection*, natsSubscription*, natsMsg* message, void* closure) {
    natsMsg_Destroy(message);
    auto* handles = static_cast<Handles*>(closure);
    {
      std::lock_guard<std::mutex> lock(handles->rung_mu);
      ++handles->rings;
    }
    handles->rung.notify_all();
  }

  uint64_t Rings() {
    std::lock_guard<std::mutex> lock(rung_mu);
    return rings;
  }

  // Waits until the doorbells rang since `seen` rings, or `until`; true when they did.
  bool WaitForRing(uint64_t seen, absl::Time until) {
    std::unique_lock<std::mutex> lock(rung_mu);
    return rung.wait_until(lock, absl::ToChronoTime(until), [&] { return rings != seen; });
  }

  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  // Plain NATS subscriptions to the streams' subjects: each message published to a stream
  // also reaches them, so a reader waiting for new entries wakes at once instead of
  // polling. A hint only: what was stored is read from JetStream.
  std::vector<natsSubscription*> doorbells;
  std::mutex rung_mu;
  std::condition_variable rung;
  uint64_t rings = 0;  // with rung_mu
};

JetStreamLog::JetStreamLog(std::unique_ptr<Handles> handles, JetStreamLogOptions options,
                           std::string epoch, int64_t created)
    : handles_(std::move(handles)),
      options_(std::move(options)),
      epoch_(std::move(epoch)),
      created_(created) {}

JetStreamLog::~JetStreamLog() = default;

absl::StatusOr<std::unique_ptr<JetStreamLog>> JetStreamLog::Connect(
    const JetStreamLogOptions& options) {
  if (options.urls.empty()) return absl::InvalidArgumentError("urls: give at least one");
  if (!IsStreamName(options.stream)) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream: \"", absl::CHexEscape(options.stream),
                     "\" is not 1-64 letters, digits, \"-\" or \"_\""));
  }
  // Those are the names of the streams beside another log's: one log's stream must never be
  // another's secrets or shared changes.
  for (absl::string_view suffix : {"_ADMIN", "_SECRETS"}) {
    if (absl::EndsWith(options.stream, suffix)) {
      return absl::InvalidArgumentError(
          absl::StrCat("stream: \"", options.stream, "\" ends with \"", suffix,
                       "\", which names the streams beside a log's; choose another name"));
    }
  }
  if (options.replicas < 1 || options.replicas > 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("replicas: ", options.replicas, " is outside 1 to 5"));
  }
  if (options.timeout < absl::Milliseconds(1) || options.timeout > absl::Hours(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeout: ", absl::FormatDuration(options.timeout), " is outside 1ms to 1h"));
  }
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  const int64_t timeout_ms = absl::ToInt64Milliseconds(options.timeout);

  natsOptions* nats_options = nullptr;
  if (natsStatus s = natsOptions_Create(&nats_options); s != NATS_OK) {
    return NatsError(absl::StatusCode::kInternal, "creating NATS options", s);
  }
  std::vector<const char*> urls;
  for (const std::string& url : options.urls) urls.push_back(url.c_str());
  auto handles = std::make_unique<Handles>();
  natsStatus s = natsOptions_SetServers(nats_options, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(nats_options, timeout_ms);
  // Keep trying other servers (and the same ones again) after a server goes away.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(nats_options, -1);
  if (s == NATS_OK && !options.credentials_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(nats_options, options.credentials_file.c_str(),
                                                nullptr);
  }
  if (s == NATS_OK) s = natsConnection_Connect(&handles->connection, nats_options);
  natsOptions_Destroy(nats_options);
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable,
                     absl::StrCat("connecting to NATS at ", options.urls.front()), s);
  }
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = timeout_ms;
  if (s = natsConnection_JetStream(&handles->js, handles->connection, &js_options); s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable, "opening JetStream", s);
  }

  // The log's stream, and the secrets' stream beside it.
  absl::StatusOr<jsStreamInfo*> found = FindOrCreateStream(handles->js, options, options.stream);
  if (!found.ok()) return found.status();
  jsStreamInfo* info = *found;
  for (const std::string& beside : {SecretsStream(options.stream), SharedStream(options.stream)}) {
    // Kept whole: they are small, and a replica built from nothing reads them from the start.
    JetStreamLogOptions kept = options;
    kept.max_age.reset();
    kept.max_entries.reset();
    absl::StatusOr<jsStreamInfo*> made = FindOrCreateStream(handles->js, kept, beside);
    if (!made.ok()) {
      jsStreamInfo_Destroy(info);
      return made.status();
    }
    jsStreamInfo_Destroy(*made);
  }
  for (const std::string& stream : {options.stream, SharedStream(options.stream)}) {
    natsSubscription* doorbell = nullptr;
    const std::string subjects = absl::StrCat(stream, ".>");
    if (s = natsConnection_Subscribe(&doorbell, handles->connection, subjects.c_str(),
                                     &Handles::Ring, handles.get());
        s != NATS_OK) {
      jsStreamInfo_Destroy(info);
      return NatsError(absl::StatusCode::kUnavailable, absl::StrCat("subscribing to ", subjects),
                       s);
    }
    handles->doorbells.push_back(doorbell);
  }
  const int64_t created = info->Created;
  const int64_t replicas = info->Config != nullptr ? info->Config->Replicas : 0;
  jsStreamInfo_Destroy(info);
  if (replicas != options.replicas) {
    return absl::FailedPreconditionError(absl::StrCat("replicas: JetStream stream ", options.stream,
                                                      " exists with ", replicas, " replicas, not ",
                                                      options.replicas));
  }
  // The epoch: 8 bytes of BLAKE2b over the name and the creation time.
  std::string epoch = HexHash(absl::StrCat(options.stream, "/", created), 8);
  if (epoch.empty()) return absl::InternalError("hashing the stream's identity failed");
  return std::unique_ptr<JetStreamLog>(
      new JetStreamLog(std::move(handles), options, std::move(epoch), created));
}

absl::StatusOr<uint64_t> JetStreamLog::Append(const LogEntry& entry, uint64_t expected_last) {
  const syndication::v1::Article& version = entry.version();
  if (!IsArticleId(version.id())) {
    return absl::InvalidArgumentError(absl::StrCat("entry.version.id: \"",
                                                   absl::CHexEscape(version.id()),
                                                   "\" is not 32 lowercase hex digits"));
  }
  LogEntry unsequenced = entry;
  unsequenced.mutable_event()->clear_sequence();
  std::string bytes;
  if (!unsequenced.SerializeToString(&bytes)) {
    return absl::InternalError("serializing a log entry failed");
  }
  if (static_cast<int64_t>(bytes.size()) > natsConnection_GetMaxPayload(handles_->connection)) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry: ", bytes.size(), " bytes, more than the NATS servers' max_payload of ",
                     natsConnection_GetMaxPayload(handles_->connection)));
  }
  const std::string subject = StorySubject(version.source_id(), version.external_id());
  const std::string message_id = absl::StrCat(version.id(), ".", version.version());
  const std::string expected = absl::StrCat(expected_last);
  natsMsg* message = nullptr;
  natsStatus s = natsMsg_Create(&message, subject.c_str(), nullptr, bytes.data(),
                                static_cast<int>(bytes.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(message, "Nats-Msg-Id", message_id.c_str());
  // Set by hand: libnats's jsPubOptions treats 0 as "no expectation", and 0 is what a new
  // story expects (no entry on its subject yet).
  if (s == NATS_OK) {
    s = natsMsgHeader_Set(message, "Nats-Expected-Last-Subject-Sequence", expected.c_str());
  }
  jsPubAck* ack = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  if (s == NATS_OK) s = js_PublishMsg(&ack, handles_->js, message, nullptr, &js_error);
  natsMsg_Destroy(message);
  if (s != NATS_OK) {
    const std::string what = absl::StrCat("appending version ", version.version(), " of article ",
                                          version.id(), " to JetStream");
    if (js_error == JSStreamWrongLastSequenceErr) {
      return NatsError(absl::StatusCode::kAborted,
                       absl::StrCat(what, ": the story's last entry is not sequence ",
                                    expected_last, " any more"),
                       s, js_error);
    }
    return NatsError(absl::StatusCode::kUnavailable, what, s, js_error);
  }
  const uint64_t sequence = ack->Sequence;
  const bool duplicate = ack->Duplicate;
  jsPubAck_Destroy(ack);
  if (!duplicate) return sequence;
  // JetStream answers a repeated message id with the first append's sequence before it
  // checks the expected sequence: only the very same entry is that append.
  natsMsg* stored = nullptr;
  jsErrCode get_error = static_cast<jsErrCode>(0);
  s = js_GetMsg(&stored, handles_->js, options_.stream.c_str(), sequence, nullptr, &get_error);
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable,
                     absl::StrCat("reading entry ", sequence, " to compare a repeated append"), s,
                     get_error);
  }
  const bool same = absl::string_view(natsMsg_GetData(stored), natsMsg_GetDataLength(stored)) ==
                    absl::string_view(bytes);
  natsMsg_Destroy(stored);
  if (same) return sequence;
  return absl::AbortedError(absl::StrCat("appending version ", version.version(), " of article ",
                                         version.id(),
                                         " to JetStream: another entry for it is "
                                         "already at sequence ",
                                         sequence));
}

std::string JetStreamLog::StorySubject(absl::string_view source_id,
                                       absl::string_view external_id) const {
  // A hash, since ids may hold characters a subject may not ('.', '*', '>', spaces).
  return absl::StrCat(options_.stream, ".story.",
                      HexHash(absl::StrCat(source_id, "\n", external_id), 16));
}

absl::StatusOr<JetStreamLog::StreamState> JetStreamLog::State() {
  jsStreamInfo* info = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_GetStreamInfo(&info, handles_->js, options_.stream.c_str(), nullptr, &js_error);
  if (s == NATS_NOT_FOUND) {
    return absl::FailedPreconditionError(absl::StrCat("JetStream stream ", options_.stream,
                                                      " was deleted since this log connected"));
  }
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable,
                     absl::StrCat("reading JetStream stream ", options_.stream), s, js_error);
  }
  StreamState state{info->State.FirstSeq, info->State.LastSeq, info->Created};
  jsStreamInfo_Destroy(info);
  if (state.created != created_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "JetStream stream ", options_.stream,
        " was deleted and created again since this log connected: another feed epoch"));
  }
  return state;
}

absl::StatusOr<uint64_t> JetStreamLog::LastSequence() {
  absl::StatusOr<StreamState> state = State();
  if (!state.ok()) return state.status();
  return state->last;
}

absl::Status JetStreamLog::ReadStream(
    const std::string& stream, uint64_t after, int limit, absl::Duration wait,
    const std::function<absl::StatusOr<StreamState>()>& state_of,
    const std::function<absl::Status(uint64_t sequence, absl::string_view data)>& take) {
  if (limit <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("limit: must be positive, got ", limit));
  }
  const absl::Time deadline = absl::Now() + wait;
  if (after == UINT64_MAX) return absl::OkStatus();
  int taken = 0;
  uint64_t rings_seen = handles_->Rings();
  absl::Time eager_until = absl::InfinitePast();
  while (true) {
    absl::StatusOr<StreamState> state = state_of();
    if (!state.ok()) return state.status();
    // What the stream no longer holds is skipped, so the first message shows the gap.
    for (uint64_t sequence = std::max(after + 1, state->first);
         sequence <= state->last && taken < limit; ++sequence) {
      natsMsg* message = nullptr;
      jsErrCode js_error = static_cast<jsErrCode>(0);
      const natsStatus s =
          js_GetMsg(&message, handles_->js, stream.c_str(), sequence, nullptr, &js_error);
      if (s == NATS_NOT_FOUND) continue;  // deleted: skipped, as a consumer would
      if (s != NATS_OK) {
        return NatsError(
            absl::StatusCode::kUnavailable,
            absl::StrCat("reading message ", sequence, " of JetStream stream ", stream), s,
            js_error);
      }
      const absl::Status took = take(
          sequence, absl::string_view(natsMsg_GetData(message), natsMsg_GetDataLength(message)));
      natsMsg_Destroy(message);
      SYNDICATE_RETURN_IF_ERROR(took);
      ++taken;
    }
    const absl::Time now = absl::Now();
    if (taken > 0 || now >= deadline) return absl::OkStatus();
    // A doorbell rings as a message is published, which may be just before JetStream has
    // stored it: after a ring, look again every millisecond for a while. Otherwise wait
    // for a ring, looking again now and then in case one was missed (a reconnect).
    if (const uint64_t rings = handles_->Rings(); rings != rings_seen) {
      rings_seen = rings;
      eager_until = now + kEagerAfterRing;
    }
    if (now < eager_until) {
      absl::SleepFor(absl::Milliseconds(1));
    } else if (handles_->WaitForRing(rings_seen, std::min(deadline, now + kLookAgain))) {
      rings_seen = handles_->Rings();
      eager_until = absl::Now() + kEagerAfterRing;
    }
  }
}

absl::StatusOr<std::vector<LogEntry>> JetStreamLog::Read(uint64_t after, int limit,
                                                         absl::Duration wait) {
  std::vector<LogEntry> entries;
  SYNDICATE_RETURN_IF_ERROR(ReadStream(
      options_.stream, after, limit, wait, [this] { return State(); },
      [&](uint64_t sequence, absl::string_view data) {
        LogEntry& entry = entries.emplace_back();
        if (!entry.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
          return absl::DataLossError(absl::StrCat("entry ", sequence, " of JetStream stream ",
                                                  options_.stream, " is not a LogEntry"));
        }
        entry.mutable_event()->set_sequence(sequence);
        return absl::OkStatus();
      }));
  return entries;
}

absl::StatusOr<std::vector<std::pair<uint64_t, SharedChange>>> JetStreamLog::ReadShared(
    uint64_t after, int limit, absl::Duration wait) {
  std::vector<std::pair<uint64_t, SharedChange>> changes;
  const std::string stream = SharedStream(options_.stream);
  SYNDICATE_RETURN_IF_ERROR(ReadStream(
      stream, after, limit, wait, [this] { return SharedState(); },
      [&](uint64_t sequence, absl::string_view data) {
        auto& [at, change] = changes.emplace_back();
        at = sequence;
        if (!change.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
          return absl::DataLossError(absl::StrCat("message ", sequence, " of JetStream stream ",
                                                  stream, " is not a SharedChange"));
        }
        return absl::OkStatus();
      }));
  return changes;
}

absl::StatusOr<JetStreamLog::StreamState> JetStreamLog::SharedState() {
  // The log's stream first: a log made again is not this log.
  SYNDICATE_RETURN_IF_ERROR(State().status());
  const std::string stream = SharedStream(options_.stream);
  jsStreamInfo* info = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetStreamInfo(&info, handles_->js, stream.c_str(), nullptr, &js_error);
  if (s == NATS_NOT_FOUND) {
    return absl::FailedPreconditionError(
        absl::StrCat("JetStream stream ", stream, " was deleted since this log connected"));
  }
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable,
                     absl::StrCat("reading JetStream stream ", stream), s, js_error);
  }
  StreamState state{info->State.FirstSeq, info->State.LastSeq, info->Created};
  jsStreamInfo_Destroy(info);
  return state;
}

absl::StatusOr<uint64_t> JetStreamLog::LastSharedSequence() {
  SYNDICATE_ASSIGN_OR_RETURN(const StreamState state, SharedState());
  return state.last;
}

absl::StatusOr<uint64_t> JetStreamLog::AppendShared(const SharedChange& change) {
  std::string bytes;
  if (!change.SerializeToString(&bytes)) {
    return absl::InternalError("serializing a shared change failed");
  }
  const std::string stream = SharedStream(options_.stream);
  const std::string subject = absl::StrCat(stream, ".change");
  jsPubAck* ack = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  const natsStatus s = js_Publish(&ack, handles_->js, subject.c_str(), bytes.data(),
                                  static_cast<int>(bytes.size()), nullptr, &js_error);
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable,
                     absl::StrCat("appending a change to JetStream stream ", stream), s, js_error);
  }
  const uint64_t sequence = ack->Sequence;
  jsPubAck_Destroy(ack);
  return sequence;
}

absl::StatusOr<uint64_t> JetStreamLog::LastStorySequence(absl::string_view source_id,
                                                         absl::string_view external_id) {
  // The stream first, so that a stream made again is refused rather than read.
  if (absl::StatusOr<StreamState> state = State(); !state.ok()) return state.status();
  const std::string subject = StorySubject(source_id, external_id);
  natsMsg* message = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetLastMsg(&message, handles_->js, options_.stream.c_str(),
                                     subject.c_str(), nullptr, &js_error);
  if (s == NATS_NOT_FOUND) return 0;
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable,
                     absl::StrCat("reading the last entry of story ", source_id, "/", external_id,
                                  " in JetStream stream ", options_.stream),
                     s, js_error);
  }
  const uint64_t sequence = natsMsg_GetSequence(message);
  natsMsg_Destroy(message);
  return sequence;
}

absl::StatusOr<std::string> JetStreamLog::SharedSecret(absl::string_view name, size_t size_bytes) {
  if (!IsStreamName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "name: \"", absl::CHexEscape(name), "\" is not 1-64 letters, digits, \"-\" or \"_\""));
  }
  if (size_bytes == 0) return absl::InvalidArgumentError("size_bytes: must be positive");
  const std::string stream = SecretsStream(options_.stream);
  const std::string subject = absl::StrCat(stream, ".", name);
  // Offer a new secret, taken only when the subject holds none yet ("expected last
  // sequence 0"); whoever lost that race reads the winner's.
  std::string offered(size_bytes, '\0');
  randombytes_buf(offered.data(), offered.size());
  natsMsg* message = nullptr;
  natsStatus s = natsMsg_Create(&message, subject.c_str(), nullptr, offered.data(),
                                static_cast<int>(offered.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(message, "Nats-Expected-Last-Subject-Sequence", "0");
  jsPubAck* ack = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  if (s == NATS_OK) s = js_PublishMsg(&ack, handles_->js, message, nullptr, &js_error);
  natsMsg_Destroy(message);
  if (ack != nullptr) jsPubAck_Destroy(ack);
  const std::string what = absl::StrCat("secret ", name, " in JetStream stream ", stream);
  if (s != NATS_OK && js_error != JSStreamWrongLastSequenceErr) {
    return NatsError(absl::StatusCode::kUnavailable, absl::StrCat("storing ", what), s, js_error);
  }
  natsMsg* stored = nullptr;
  js_error = static_cast<jsErrCode>(0);
  s = js_GetLastMsg(&stored, handles_->js, stream.c_str(), subject.c_str(), nullptr, &js_error);
  if (s != NATS_OK) {
    return NatsError(absl::StatusCode::kUnavailable, absl::StrCat("reading ", what), s, js_error);
  }
  std::string secret(natsMsg_GetData(stored), natsMsg_GetDataLength(stored));
  natsMsg_Destroy(stored);
  if (secret.size() != size_bytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " exists with ", secret.size(), " bytes, not ", size_bytes));
  }
  return secret;
}

}  // namespace syndicate::storage
