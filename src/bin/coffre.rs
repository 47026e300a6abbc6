//! `coffre`: the command-line client. Arguments in, exit code out.

fn main() {
    std::process::exit(coffre::cli::run(std::env::args_os()));
}
