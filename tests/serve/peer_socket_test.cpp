// SPDX-License-Identifier: Apache-2.0
// Finding a connection's socket by its addresses and seeing the peer hang up.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/peer_socket.h"

namespace lorag::serve {
namespace {

struct Pair {
  int listener = -1, client = -1, server = -1;
  int server_port = 0, client_port = 0;
  Pair() {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(listener, 1);
    socklen_t len = sizeof(a);
    getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    server_port = ntohs(a.sin_port);
    client = socket(AF_INET, SOCK_STREAM, 0);
    connect(client, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    server = accept(listener, nullptr, nullptr);
    sockaddr_in c{};
    len = sizeof(c);
    getsockname(client, reinterpret_cast<sockaddr*>(&c), &len);
    client_port = ntohs(c.sin_port);
  }
  ~Pair() {
    for (int fd : {listener, client, server}) {
      if (fd >= 0) close(fd);
    }
  }
};

TEST(PeerSocket, FindsTheServerSideOfAConnection) {
  Pair p;
  ASSERT_GE(p.server, 0);
  EXPECT_EQ(find_connection_socket("127.0.0.1", p.server_port, "127.0.0.1", p.client_port), p.server);
  EXPECT_EQ(find_connection_socket("127.0.0.1", p.client_port, "127.0.0.1", p.server_port), p.client);
  EXPECT_EQ(find_connection_socket("127.0.0.1", p.server_port, "127.0.0.2", p.client_port), -1);
}

TEST(PeerSocket, SeesThePeerCloseButNotPendingData) {
  Pair p;
  EXPECT_FALSE(peer_closed(p.server));
  ASSERT_EQ(send(p.client, "GET", 3, 0), 3);  // readable is not closed
  EXPECT_FALSE(peer_closed(p.server));
  close(p.client);
  p.client = -1;
  EXPECT_TRUE(peer_closed(p.server));
  EXPECT_FALSE(peer_closed(-1));
}

}  // namespace
}  // namespace lorag::serve
