// SPDX-License-Identifier: Apache-2.0
// Client-disconnect detection for a running HTTP handler (serve/, Linux).
// cpp-httplib 0.11 gives a handler neither its socket nor a "connection closed"
// query, so the handler finds its connection's socket by its address pair and
// polls it for the peer's FIN/RST while the answer is being generated.
#pragma once

#include <string>

namespace lorag::serve {

// The descriptor of this process's TCP socket with the given local and peer
// addresses (numeric IPv4/IPv6 text, as httplib reports them), or -1. The
// caller must own the connection (the handler runs on it), so it stays open.
int find_connection_socket(const std::string& local_addr, int local_port, const std::string& remote_addr,
                           int remote_port);

// True when the peer has closed or reset the connection. Never blocks; -1 is never closed.
bool peer_closed(int fd);

}  // namespace lorag::serve
