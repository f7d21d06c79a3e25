// The hoptrace command line: subcommand dispatch. main() only calls Run().
#pragma once

namespace hoptrace::cli {

// Runs the command line; returns the process exit code (0 ok, 1 failure, 2 usage error).
int Run(int argc, char** argv);

}  // namespace hoptrace::cli
