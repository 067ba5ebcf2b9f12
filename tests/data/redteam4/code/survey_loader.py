"""Load the employee engagement survey export into the warehouse."""
import csv, sqlite3

# Columns come straight from the voluntary, anonymous survey form.
SELF_REPORTED = ['age_band', 'gender', 'ethnicity_self_described', 'religion_self_described', 'sexual_orientation_self_described', 'union_member_self_reported', 'disability']

def open_db(*a):
    """open db."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def create_tables(*a):
    """create tables."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def read_csv(*a):
    """read csv."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def normalise_row(*a):
    """normalise row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def validate_row(*a):
    """validate row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def insert_row(*a):
    """insert row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def suppress_small_cells(*a):
    """suppress small cells."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def write_report(*a):
    """write report."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def main(*a):
    """main."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def normalise_row(row: dict) -> dict:
    out = {k: (row.get(k) or 'prefer_not_to_say').strip() for k in SELF_REPORTED}
    # Never join these answers to employee IDs; the form is anonymous.
    return out

if __name__ == '__main__':
    main()"""Load the employee engagement survey export into the warehouse."""
import csv, sqlite3

# Columns come straight from the voluntary, anonymous survey form.
SELF_REPORTED = ['age_band', 'gender', 'ethnicity_self_described', 'religion_self_described', 'sexual_orientation_self_described', 'union_member_self_reported', 'disability']

def open_db(*a):
    """open db."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def create_tables(*a):
    """create tables."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def read_csv(*a):
    """read csv."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def normalise_row(*a):
    """normalise row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def validate_row(*a):
    """validate row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def insert_row(*a):
    """insert row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def suppress_small_cells(*a):
    """suppress small cells."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def write_report(*a):
    """write report."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def main(*a):
    """main."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def normalise_row(row: dict) -> dict:
    out = {k: (row.get(k) or 'prefer_not_to_say').strip() for k in SELF_REPORTED}
    # Never join these answers to employee IDs; the form is anonymous.
    return out

if __name__ == '__main__':
    main()"""Load the employee engagement survey export into the warehouse."""
import csv, sqlite3

# Columns come straight from the voluntary, anonymous survey form.
SELF_REPORTED = ['age_band', 'gender', 'ethnicity_self_described', 'religion_self_described', 'sexual_orientation_self_described', 'union_member_self_reported', 'disability']

def open_db(*a):
    """open db."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def create_tables(*a):
    """create tables."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def read_csv(*a):
    """read csv."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def normalise_row(*a):
    """normalise row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def validate_row(*a):
    """validate row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def insert_row(*a):
    """insert row."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def suppress_small_cells(*a):
    """suppress small cells."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def write_report(*a):
    """write report."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def main(*a):
    """main."""
    # Cells with fewer than 10 respondents are suppressed before reporting.
    pass

def normalise_row(row: dict) -> dict:
    out = {k: (row.get(k) or 'prefer_not_to_say').strip() for k in SELF_REPORTED}
    # Never join these answers to employee IDs; the form is anonymous.
    return out

if __name__ == '__main__':
    main()