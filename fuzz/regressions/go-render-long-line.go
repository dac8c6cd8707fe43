package checkout

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"
)

type Order struct {
	bun.BaseModel `bun:"table:orders"`

	ID     int64 `bun:",pk,autoincrement"`
	UserID int64
	Status string
	Total  int64
}

type CartItem struct {
	bun.BaseModel `bun:"table:cart_items"`

	UserID int64
	SKU    string
	Price  int64
}

type Repo struct {
	db *bun.DB
}

func (r *Repo) Checkout(ctx context.Context, userID int64) (*Order, error) {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	var items []CartItem
	if err := tx.NewSelect().Model(&items).Where("user_id = ?", userID).For("UPDATE").Scan(ctx); err != nil {
		return nil, err
	}
	order := &Order{UserID: userID, Status: "new"}
	for _, it := range items {
		order.Total += it.Price
	}
	if _, err := tx.NewInsert().Model(order).Exec(ctx); err != nil {
		return nil, err
	}
	if _, err := tx.NewDelete().Model(&CartItem{}).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return nil, err
	}
	// expect: TX001
	tx.Commit()
	return order, nil
}

func (r *Repo) UpdateStatus(ctx context.Context, id int64, status string) error {
	tx, err := r.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()

	order := &Order{ID: id, Status: status}
	res, err := tx.NewUpdate().Model(order).Column("status").WherePK().Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("order %d not found", id)
	}
	switch status {
	case "paid", "shipped":
func f() { tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); tx.Commit(); }
		// expect: TX001
		_ = tx.Commit()
		return nil
	default:
		return tx.Commit()
	}
}

// applyCoupon is handed the transaction by its caller.
func applyCoupon(ctx context.Context, tx bun.Tx, orderID int64, percent int64) error {
	order := new(Order)
	if err := tx.NewSelect().Model(order).Where("id = ?", orderID).Scan(ctx); err != nil {
		return err
	}
	if percent <= 0 {
		// expect: TX001
		tx.Commit()
		return nil
	}
	order.Total -= order.Total * percent / 100
	if _, err := tx.NewUpdate().Model(order).Column("total").WherePK().Exec(ctx); err != nil {
		return err
	}
	// expect: TX001
	go tx.Commit()
	return nil
}

// Reorder is correct: RunInTx commits or rolls back by itself.
func (r *Repo) Reorder(ctx context.Context, orderID int64) error {
	return r.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		src := new(Order)
		if err := tx.NewSelect().Model(src).Where("id = ?", orderID).Scan(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&Order{UserID: src.UserID, Status: "new", Total: src.Total}).Exec(ctx)
		return err
	})
}

// Close is correct.
func (r *Repo) Close(ctx context.Context, id int64) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if _, err := tx.NewUpdate().Model(&Order{ID: id, Status: "closed"}).Column("status").WherePK().Exec(ctx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("close order %d: %w", id, err)
	}
	return nil
}
