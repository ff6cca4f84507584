// SPDX-License-Identifier: Apache-2.0
// placeholder, replaced by the command table
int main() { return 0; }
