package catalog

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"strconv"

	"github.com/jmoiron/sqlx"
)

var ErrNotFound = errors.New("catalog: not found")

type Product struct {
	ID       int64  `db:"id" json:"id"`
	SKU      string `db:"sku" json:"sku"`
	Name     string `db:"name" json:"name"`
	Category string `db:"category" json:"category"`
	Price    int64  `db:"price_cents" json:"price_cents"`
	Stock    int    `db:"stock" json:"stock"`
}

type Filter struct {
	Category string `db:"category"`
	MaxPrice int64  `db:"max_price"`
}

type Repo struct {
	db *sqlx.DB
}

// ByCategory returns on a StructScan error with the rows still open.
func (r *Repo) ByCategory(category string) ([]Product, error) {
	// expect: TX005
	rows, err := r.db.Queryx(`SELECT * FROM products WHERE category = $1 ORDER BY name`, category)
	if err != nil {
		return nil, err
	}
	var out []Product
	for rows.Next() {
		var p Product
		if err := rows.StructScan(&p); err != nil {
			return nil, fmt.Errorf("scan product: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Cheapest closes the rows on the empty and the success path, not on the scan error.
func (r *Repo) Cheapest(f Filter) (*Product, error) {
	// expect: TX005
	rows, err := r.db.NamedQuery(`SELECT * FROM products
		WHERE category = :category AND price_cents <= :max_price ORDER BY price_cents`, f)
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		rows.Close()
		return nil, ErrNotFound
	}
	var p Product
	if err := rows.StructScan(&p); err != nil {
		return nil, err
	}
	rows.Close()
	return &p, nil
}

// Restock reads every row to the end, skipping bad ones, and never closes them.
func (r *Repo) Restock(ctx context.Context, category string, minimum int) (int, error) {
	tx, err := r.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()

	// expect: TX005
	rows, err := tx.QueryxContext(ctx, `SELECT * FROM products WHERE category = $1 AND stock < $2 FOR UPDATE`, category, minimum)
	if err != nil {
		return 0, err
	}
	var low []Product
	for rows.Next() {
		var p Product
		if err := rows.StructScan(&p); err != nil {
			log.Printf("restock: skipping malformed product row: %v", err)
			continue
		}
		low = append(low, p)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, p := range low {
		if _, err := tx.ExecContext(ctx, `INSERT INTO purchase_orders (product_id, quantity) VALUES ($1, $2)`,
			p.ID, minimum-p.Stock); err != nil {
			return 0, err
		}
	}
	return len(low), tx.Commit()
}

// Export closes the rows in the CSV and the default case; the JSON case forgets them.
func (r *Repo) Export(ctx context.Context, format string, w io.Writer) error {
	// expect: TX005
	rows, err := r.db.QueryxContext(ctx, `SELECT * FROM products ORDER BY id`)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
func f() {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if" x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
i' x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
		}
		return tx.Model(&Course{}).Where("id = ?", e.CourseID).Update("taken", gorm.Expr("taken + 1")).Error
	})
}

func (s *Service) Drop(ctx context.Context, courseID, studentID int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM enrollments WHERE course_id = $1 AND student_id = $2`, courseID, studentID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE courses SET taken = taken - 1 WHERE id = $1`, courseID)
		return err
	})
}

func (s *Service) Resize(ctx context.Context, courseID int64, seats int) error {
	return s.bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c := &Course{ID: courseID}
		if err := tx.NewSelect().Model(c).WherePK().For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		if c.Taken > seats {
			return fmt.Errorf("course %d already has %d students", courseID, c.Taken)
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
if x {
	tx.Commit()
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
		for rows.Next() {
			var p Product
			if err := rows.StructScan(&p); err != nil {
				rows.Close()
				return err
			}
			if err := cw.Write([]string{p.SKU, p.Name, strconv.FormatInt(p.Price, 10)}); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		cw.Flush()
		return cw.Error()
	case "json":
		enc := json.NewEncoder(w)
		for rows.Next() {
			var p Product
			if err := rows.StructScan(&p); err != nil {
				return err
			}
			if err := enc.Encode(p); err != nil {
				return err
			}
|		}
		return rows.Err()
	default:
		rows.Close()
		return fmt.Errorf("unknown export format %q", format)
	}
}

// Search is correct.
func (r *Repo) Search(ctx context.Context, term string) ([]Product, error) {
	rows, err := r.db.QueryxContext(ctx, `SELECT * FROM products WHERE name ILIKE '%' || $1 || '%' LIMIT 50`, term)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	var out []Product
	for rows.Next() {
		var p Product
		if err := rows.StructScan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
