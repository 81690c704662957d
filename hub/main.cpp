// The `wasl` binary: everything it does lives in hub/cli.
#include "hub/cli/cli.hpp"

int main(int argc, char** argv) { return wasl::cli::run(argc, argv); }
