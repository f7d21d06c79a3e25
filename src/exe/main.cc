// hoptrace: main only dispatches to the CLI library.
#include "cli/cli.h"

int main(int argc, char** argv) { return hoptrace::cli::Run(argc, argv); }
