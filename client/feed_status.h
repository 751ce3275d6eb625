// Prints how polling a source's feeds went (Source.feed_statuses), for people.
#ifndef SYNDICATE_CLIENT_FEED_STATUS_H_
#define SYNDICATE_CLIENT_FEED_STATUS_H_

#include <ostream>

#include "syndication/v1/source.pb.h"

namespace syndicate::client {

// For each feed, its URL, then indented lines (times in RFC 3339, UTC, whole seconds):
//   last poll      TIME (HTTP 200)          or "never"
//   last success   TIME                     or "never"
//   last error     TIME: MESSAGE (N in a row)   only after a failed poll
//   next poll      TIME
//   items seen     N, or "N (F failed)" (in the last document read)
//   stories        C created, U updated, W withdrawn (running totals)
//   last failed item  MESSAGE                only when an item of it failed
// "No feeds (or none shown to this key …)." when the source lists none or the caller is a
// partner; "(not polled yet)" under a feed without status;
// a note under each feed when the server sent no statuses (a partner's view).
void WriteFeedStatuses(const syndication::v1::Source& source, std::ostream& out);

}  // namespace syndicate::client

#endif  // SYNDICATE_CLIENT_FEED_STATUS_H_
