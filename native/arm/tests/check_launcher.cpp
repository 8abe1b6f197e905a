// Runs the ACL conv check from the shared library build_and_run.sh links (libadabm_acl_check.so).
extern "C" int adabm_acl_check_main();

int main() { return adabm_acl_check_main(); }
