// Placeholder written by the program engineer so the workspace parses; the SDK helper replaces it.
fn main() {}
