int main(int c, char **v)
{ volatile double a = c; (void)v; return a * 1.5 > 1.0 ? 0 : 1; }
